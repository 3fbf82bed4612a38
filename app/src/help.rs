//! The Help centre pages: `/help` (the articles, and a search over them)
//! and `/help/:slug` (one article).

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::{use_params_map, use_query_map};
use threshold_core::help::{Article, ArticleSummary};

use crate::errors::ServiceError;

/// The articles, or those matching `query` when it is not blank.
#[server(endpoint = "help_articles")]
pub async fn help_articles(
    query: String,
) -> Result<Vec<ArticleSummary>, ServiceError<HelpMissing>> {
    let centre = threshold_core::help::HelpCentre::shipped();
    Ok(if query.trim().is_empty() {
        centre.list()
    } else {
        centre.search(&query)
    })
}

#[server(endpoint = "help_article")]
pub async fn help_article(slug: String) -> Result<Article, ServiceError<HelpMissing>> {
    Ok(threshold_core::help::HelpCentre::shipped()
        .article(&slug)
        .ok_or(HelpMissing)?)
}

/// There is no article at that address.
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, thiserror::Error, serde::Serialize, serde::Deserialize,
)]
#[error("There is no help article at this address.")]
pub struct HelpMissing;

impl threshold_core::refusal::Refusal for HelpMissing {
    type Field = threshold_core::refusal::NoField;

    fn kind(&self) -> threshold_core::refusal::RefusalKind {
        threshold_core::refusal::RefusalKind::NotFound
    }
}

#[component]
pub fn HelpPage() -> impl IntoView {
    let query = use_query_map();
    let typed = move || query.with(|q| q.get("q").unwrap_or_default());
    let articles = Resource::new(typed, help_articles);
    view! {
        <Title text="Help centre · Threshold"/>
        <section class="help" aria-labelledby="help-title">
            <h1 id="help-title">"Help centre"</h1>
            <p class="help__lead">
                "Stuck? These short articles cover what goes wrong most often. "
                "If they do not get you in, "<a href="/contact-support">"contact support"</a>"."
            </p>
            <form method="get" action="/help" class="search-form" role="search">
                <label for="help-query">"Search the help"</label>
                <div class="search-form__row">
                    <input id="help-query" name="q" type="search" value=typed prop:value=typed/>
                    <button type="submit" class="button button--primary">"Search"</button>
                </div>
            </form>
            <Transition fallback=|| view! { <p>"Loading…"</p> }>
                {move || articles.get().map(|answer| match answer {
                    Ok(found) if found.is_empty() => view! {
                        <p role="status">
                            "Nothing matches that. Try other words, or "
                            <a href="/help/unable-to-log-in">"start with Unable to log in"</a>"."
                        </p>
                    }.into_any(),
                    Ok(found) => view! {
                        <ul class="help__list" id="help-articles">
                            {found.into_iter().map(|article| view! {
                                <li>
                                    <a href=format!("/help/{}", article.slug)>{article.title}</a>
                                    <p>{article.summary}</p>
                                </li>
                            }).collect_view()}
                        </ul>
                    }.into_any(),
                    Err(error) => view! {
                        <p class="notice notice--error" role="alert">{error.to_string()}</p>
                    }.into_any(),
                })}
            </Transition>
        </section>
    }
}

#[component]
pub fn HelpArticlePage() -> impl IntoView {
    let params = use_params_map();
    let slug = move || params.with(|p| p.get("slug").unwrap_or_default());
    let article = Resource::new(slug, help_article);
    view! {
        <Transition fallback=|| view! { <p>"Loading…"</p> }>
            {move || article.get().map(|answer| match answer {
                Ok(article) => view! {
                    <Title text=format!("{} · Threshold help", article.title)/>
                    <article class="help help-article" aria-labelledby="article-title">
                        <p><a href="/help">"← Help centre"</a></p>
                        <h1 id="article-title">{article.title}</h1>
                        <p class="help__lead">{article.summary}</p>
                        // Rendered from the repository's own Markdown, with
                        // any HTML in it turned into text (threshold_core::help).
                        <div class="help-article__body" inner_html=article.html></div>
                        <p class="help-article__more">
                            "Still stuck? "<a href="/contact-support">"Contact support"</a>
                            " and tell us what you remember."
                        </p>
                    </article>
                }.into_any(),
                Err(error) => view! {
                    <section class="help">
                        <p class="notice notice--error" role="alert">{error.to_string()}</p>
                        <p><a href="/help">"All help articles"</a></p>
                    </section>
                }.into_any(),
            })}
        </Transition>
    }
}
