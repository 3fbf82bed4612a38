import { expect, Page, request } from "@playwright/test";
import { execFileSync } from "node:child_process";
import { createHmac } from "node:crypto";
import path from "node:path";

// What an operator does from the server's command line, for tests that
// need a support user, and the second step such a user gives after the
// password (an authenticator-app code, computed here from the secret).

const repo = path.resolve(__dirname, "../..");
export const serverBinary = path.join(process.env.CARGO_TARGET_DIR ?? path.join(repo, "target"), "debug/server");

/// Creates a support user; returns what the command printed (with the
/// enrolment link).
export function createSupportUser(username: string, password: string, databaseUrl?: string, cwd?: string): string {
  return execFileSync(
    serverBinary,
    ["create-support-user", "--username", username, "--email", `${username}@threshold.test`, "--first-name", "Sam", "--surname", "Staff"],
    {
      input: `${password}\n`,
      cwd: cwd ?? process.env.E2E_DATA_DIR,
      env: {
        ...process.env,
        DATABASE_URL: databaseUrl ?? `sqlite://${process.env.E2E_DATA_DIR}/e2e.db`,
        RUST_LOG: "warn",
      },
    },
  ).toString();
}

/// A support user with an authenticator app set up.
export type Staff = { username: string; password: string; secret: string; recoveryCodes: string[] };

/// The enrolment link's token in what `create-support-user` printed.
export function enrolmentLink(printed: string): string {
  const match = printed.match(/link=([A-Za-z0-9_-]+)/);
  if (!match) throw new Error(`no enrolment link in ${printed}`);
  return match[1];
}

/// Creates a support user and sets up their authenticator app with the
/// printed link, through the server functions the enrol page calls.
export async function enrolledSupportUser(
  username: string,
  password: string,
  options: { baseURL?: string; databaseUrl?: string; cwd?: string } = {},
): Promise<Staff> {
  const link = enrolmentLink(createSupportUser(username, password, options.databaseUrl, options.cwd));
  const api = await request.newContext({ baseURL: options.baseURL ?? `http://127.0.0.1:${process.env.E2E_PORT}` });
  const login = await api.post("/api/login", { form: { "form[identifier]": username, "form[password]": password } });
  expect(login.ok(), await login.text()).toBe(true);
  const setup = await api.post("/api/start_enrolling_app", { form: { link } });
  expect(setup.ok(), await setup.text()).toBe(true);
  const secret = ((await setup.json()).secret as string).replace(/ /g, "");
  const staff: Staff = { username, password, secret, recoveryCodes: [] };
  const confirmed = await api.post("/api/confirm_enrolling_app", { form: { link, code: nextCode(staff) } });
  expect(confirmed.ok(), await confirmed.text()).toBe(true);
  staff.recoveryCodes = (await confirmed.json()).codes;
  await api.post("/api/logout");
  await api.dispose();
  return staff;
}

function base32(secret: string): Buffer {
  const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
  let bits = "";
  for (const char of secret.replace(/=+$/, "")) bits += alphabet.indexOf(char).toString(2).padStart(5, "0");
  const bytes = [];
  for (let i = 0; i + 8 <= bits.length; i += 8) bytes.push(parseInt(bits.slice(i, i + 8), 2));
  return Buffer.from(bytes);
}

/// RFC 6238: the code an authenticator app shows for time step `step`.
export function appCode(secret: string, step: number): string {
  const counter = Buffer.alloc(8);
  counter.writeBigUInt64BE(BigInt(step));
  const mac = createHmac("sha1", base32(secret)).update(counter).digest();
  const offset = mac[mac.length - 1] & 0xf;
  return ((mac.readUInt32BE(offset) & 0x7fffffff) % 1_000_000).toString().padStart(6, "0");
}

const lastStep = new Map<string, number>();

/// A code the server has not accepted yet: the app's current one, or,
/// when that was used already in this 30-second step (each works once),
/// a recovery code.
export function nextCode(staff: Staff): string {
  const step = Math.floor(Date.now() / 30_000);
  if ((lastStep.get(staff.secret) ?? -1) < step) {
    lastStep.set(staff.secret, step);
    return appCode(staff.secret, step);
  }
  const code = staff.recoveryCodes.shift();
  if (!code) throw new Error("out of recovery codes");
  return code;
}

/// Gives the second step for the page's (password) session, then reloads
/// the page so it sees the session as it now is.
export async function giveSecondStep(page: Page, staff: Staff) {
  const response = await page.request.post("/api/give_second_step", { form: { "form[code]": nextCode(staff) } });
  expect(response.ok(), await response.text()).toBe(true);
  await page.reload();
  await expect(page.locator("html[data-hydrated=true]")).toHaveCount(1);
}
