//! The Help centre (SPEC.md §8): short articles for people who are stuck,
//! written as Markdown files in `content/help/` and built into the server.
//!
//! Each file starts with a front-matter block of `title:`, `summary:` and
//! `keywords:` lines between `---` lines. The wire types are pure; loading,
//! rendering (pulldown-cmark) and searching are server-side.

use serde::{Deserialize, Serialize};

/// An article in a list or a search result.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ArticleSummary {
    pub slug: String,
    pub title: String,
    pub summary: String,
}

/// An article to read: its body as HTML rendered from the repository's own
/// Markdown (raw HTML in the source is shown as text, never passed through).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Article {
    pub slug: String,
    pub title: String,
    pub summary: String,
    pub html: String,
}

#[cfg(feature = "server")]
pub use server::{HelpCentre, HelpError};

#[cfg(feature = "server")]
mod server {
    use std::sync::OnceLock;

    use pulldown_cmark::{html, Event, Options, Parser};

    use super::{Article, ArticleSummary};
    use crate::rules::text::fold_key;

    /// The shipped articles, in the order the Help centre lists them.
    const SOURCES: &[(&str, &str)] = &[
        (
            "unable-to-log-in",
            include_str!("../../../content/help/unable-to-log-in.md"),
        ),
        (
            "forgotten-password",
            include_str!("../../../content/help/forgotten-password.md"),
        ),
        (
            "logging-in",
            include_str!("../../../content/help/logging-in.md"),
        ),
        (
            "passkeys",
            include_str!("../../../content/help/passkeys.md"),
        ),
        (
            "registration-rules",
            include_str!("../../../content/help/registration-rules.md"),
        ),
        (
            "contact-support",
            include_str!("../../../content/help/contact-support.md"),
        ),
    ];

    #[derive(Debug, PartialEq, Eq, thiserror::Error)]
    pub enum HelpError {
        #[error("help article {slug}: {problem}")]
        Malformed { slug: String, problem: &'static str },
    }

    struct Loaded {
        article: Article,
        /// Folded title, summary, keywords and text, for search.
        haystack: String,
        title_key: String,
        keywords_key: String,
    }

    pub struct HelpCentre {
        articles: Vec<Loaded>,
    }

    impl HelpCentre {
        /// The articles built into this server, parsed and rendered once.
        pub fn shipped() -> &'static HelpCentre {
            static SHIPPED: OnceLock<HelpCentre> = OnceLock::new();
            SHIPPED.get_or_init(|| {
                // The sources are part of the build and covered by a test,
                // so a malformed one cannot reach a running server.
                HelpCentre::parse(SOURCES).expect("the shipped help articles are well-formed")
            })
        }

        pub fn parse(sources: &[(&str, &str)]) -> Result<HelpCentre, HelpError> {
            let articles = sources
                .iter()
                .map(|(slug, source)| load(slug, source))
                .collect::<Result<Vec<_>, _>>()?;
            Ok(HelpCentre { articles })
        }

        pub fn list(&self) -> Vec<ArticleSummary> {
            self.articles
                .iter()
                .map(|loaded| summary(&loaded.article))
                .collect()
        }

        pub fn article(&self, slug: &str) -> Option<Article> {
            self.articles
                .iter()
                .find(|loaded| loaded.article.slug == slug)
                .map(|loaded| loaded.article.clone())
        }

        /// Articles containing every word of `query` (folded, so case and
        /// accents do not matter), best first: words in the title count
        /// most, then keywords, then the text.
        pub fn search(&self, query: &str) -> Vec<ArticleSummary> {
            let words: Vec<String> = fold_key(query)
                .split(|c: char| !c.is_alphanumeric() && c != '\'')
                .filter(|word| !word.is_empty())
                .map(str::to_owned)
                .collect();
            if words.is_empty() {
                return Vec::new();
            }
            let mut scored: Vec<(usize, usize, &Loaded)> = self
                .articles
                .iter()
                .enumerate()
                .filter(|(_, loaded)| {
                    words
                        .iter()
                        .all(|word| loaded.haystack.contains(word.as_str()))
                })
                .map(|(order, loaded)| {
                    let score = words
                        .iter()
                        .map(|word| {
                            3 * usize::from(loaded.title_key.contains(word.as_str()))
                                + 2 * usize::from(loaded.keywords_key.contains(word.as_str()))
                                + 1
                        })
                        .sum();
                    (score, order, loaded)
                })
                .collect();
            scored.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
            scored
                .into_iter()
                .map(|(_, _, loaded)| summary(&loaded.article))
                .collect()
        }
    }

    fn summary(article: &Article) -> ArticleSummary {
        ArticleSummary {
            slug: article.slug.clone(),
            title: article.title.clone(),
            summary: article.summary.clone(),
        }
    }

    fn load(slug: &str, source: &str) -> Result<Loaded, HelpError> {
        let malformed = |problem| HelpError::Malformed {
            slug: slug.to_owned(),
            problem,
        };
        let rest = source
            .strip_prefix("---\n")
            .ok_or(malformed("no front matter"))?;
        let (front, body) = rest
            .split_once("\n---\n")
            .ok_or(malformed("front matter is not closed"))?;
        let field = |name: &str| {
            front.lines().find_map(|line| {
                line.strip_prefix(name)
                    .and_then(|rest| rest.strip_prefix(':'))
                    .map(|value| value.trim().to_owned())
            })
        };
        let title = field("title").ok_or(malformed("no title"))?;
        let summary = field("summary").ok_or(malformed("no summary"))?;
        let keywords = field("keywords").unwrap_or_default();

        let mut text = String::new();
        let events = Parser::new_ext(body, Options::empty()).map(|event| match event {
            // Articles are plain Markdown: any HTML in them is shown, not run.
            Event::Html(raw) | Event::InlineHtml(raw) => Event::Text(raw),
            other => other,
        });
        let events: Vec<Event> = events
            .inspect(|event| {
                if let Event::Text(words) | Event::Code(words) = event {
                    text.push_str(words);
                    text.push(' ');
                }
            })
            .collect();
        let mut rendered = String::new();
        html::push_html(&mut rendered, events.into_iter());

        Ok(Loaded {
            haystack: fold_key(&format!("{title} {summary} {keywords} {text}")),
            title_key: fold_key(&title),
            keywords_key: fold_key(&keywords),
            article: Article {
                slug: slug.to_owned(),
                title,
                summary,
                html: rendered,
            },
        })
    }

    #[cfg(test)]
    mod tests {
        use super::*;

        #[test]
        fn the_shipped_articles_are_well_formed() {
            let centre = HelpCentre::parse(SOURCES).unwrap();
            assert_eq!(centre.list().len(), SOURCES.len());
            for (slug, _) in SOURCES {
                let article = centre.article(slug).unwrap();
                assert!(!article.title.is_empty() && !article.summary.is_empty());
                assert!(article.html.contains("<p>"), "{slug} has a body");
            }
        }

        #[test]
        fn search_folds_case_and_ranks_titles_first() {
            let centre = HelpCentre::parse(&[
                ("a", "---\ntitle: Logging in\nsummary: How.\nkeywords: sign in\n---\nUse your password.\n"),
                ("b", "---\ntitle: Other\nsummary: Also about PASSWORDS.\nkeywords:\n---\nText.\n"),
                ("c", "---\ntitle: Password help\nsummary: x\nkeywords:\n---\nMore.\n"),
            ])
            .unwrap();
            let slugs =
                |q: &str| -> Vec<String> { centre.search(q).into_iter().map(|a| a.slug).collect() };
            assert_eq!(slugs("PASSWORD"), ["c", "a", "b"]);
            assert_eq!(slugs("sign in"), ["a"]);
            assert!(slugs("nothing like this").is_empty());
            assert!(slugs("  ").is_empty());
        }

        #[test]
        fn html_in_an_article_is_shown_not_run() {
            let centre = HelpCentre::parse(&[(
                "x",
                "---\ntitle: T\nsummary: S\nkeywords:\n---\nHello <script>alert(1)</script>\n",
            )])
            .unwrap();
            let html = centre.article("x").unwrap().html;
            assert!(!html.contains("<script>"), "{html}");
            assert!(html.contains("&lt;script&gt;"), "{html}");
        }

        #[test]
        fn a_file_without_front_matter_is_refused() {
            assert!(HelpCentre::parse(&[("x", "# Just text\n")]).is_err());
        }
    }
}
