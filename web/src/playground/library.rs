//! The lessons, fetched beside the page: its wasm does not carry them (the library is 160 KB of JSON, a
//! fifth of the page's code gzipped). `www/index.html` copies `core/lessons/` into the site; its
//! `index.json` names the files in the picker's order (a test keeps it the core's order). Every file is
//! asked for at once, then read in order.

use std::rc::Rc;

use franz_core::lesson::Lesson;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use yew::prelude::*;

use super::app::App;

/// Relative to the page, so that a site served under a path finds its lessons.
const LESSONS_DIR: &str = "lessons";

/// The library, or why it could not be loaded.
pub type Library = Rc<Result<Vec<Lesson>, String>>;

/// The page's root: a line while the lessons load, then the playground.
#[function_component]
pub fn Root() -> Html {
    let library = use_state(|| None::<Library>);
    {
        let library = library.clone();
        use_effect_with((), move |_| {
            wasm_bindgen_futures::spawn_local(async move { library.set(Some(Rc::new(fetch_library().await))) });
        });
    }
    match &*library {
        Some(library) => html! { <App library={library.clone()} /> },
        None => html! { <p class="loading" role="status">{ "Loading the lessons…" }</p> },
    }
}

async fn fetch_library() -> Result<Vec<Lesson>, String> {
    let window = web_sys::window().ok_or("no window")?;
    let index_url = format!("{LESSONS_DIR}/index.json");
    let index = read_text(&index_url, window.fetch_with_str(&index_url)).await?;
    let names: Vec<String> = franz_core::json::from_str(&index).map_err(|e| format!("{index_url}: {e}"))?;
    let pending: Vec<(String, js_sys::Promise)> = names
        .into_iter()
        .map(|name| {
            let url = format!("{LESSONS_DIR}/{name}");
            let response = window.fetch_with_str(&url);
            (url, response)
        })
        .collect();
    let mut library = Vec::with_capacity(pending.len());
    for (url, response) in pending {
        let json = read_text(&url, response).await?;
        library.push(Lesson::parse(&json).map_err(|e| format!("{url}: {e}"))?);
    }
    Ok(library)
}

/// The body of a fetch's response, as text; an error names the URL and the HTTP status or the failure.
async fn read_text(url: &str, response: js_sys::Promise) -> Result<String, String> {
    let failed = |e: JsValue| {
        let message = e.dyn_ref::<js_sys::Error>().map(|e| String::from(e.message())).or_else(|| e.as_string());
        format!("{url}: {}", message.unwrap_or_else(|| String::from("the request failed")))
    };
    let response: web_sys::Response = JsFuture::from(response).await.map_err(failed)?.unchecked_into();
    if !response.ok() {
        return Err(format!("{url}: HTTP {}", response.status()));
    }
    let text = JsFuture::from(response.text().map_err(failed)?).await.map_err(failed)?;
    text.as_string().ok_or_else(|| format!("{url}: not text"))
}
