import { execFileSync } from "node:child_process";
import path from "node:path";

// What an operator does from the server's command line, for tests that
// need a support user.

const repo = path.resolve(__dirname, "../..");
export const serverBinary = path.join(process.env.CARGO_TARGET_DIR ?? path.join(repo, "target"), "debug/server");

export function createSupportUser(username: string, password: string, databaseUrl?: string, cwd?: string) {
  execFileSync(
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
  );
}
