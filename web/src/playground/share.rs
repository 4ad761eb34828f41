//! The page's links, in the URL fragment: a shared run (the scenario, deflated and base64url-encoded:
//! `#s=...`), a lesson (`#lesson=<id>`, at a step with `&step=N`), or free play (`#play`). No fragment at
//! all is a first visit, which opens the first lesson. A link is untrusted input: inflating is bounded by
//! the scenario size limit, and parsing is strict.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use franz_core::sim::scenario::{Scenario, SCENARIO_JSON_BYTES_MAX};

const FRAGMENT_PREFIX: &str = "#s=";
pub const LESSON_PREFIX: &str = "#lesson=";
/// Free play on a new cluster (what "New cluster" and "Free play" write, so that a reload stays there).
pub const FREE_PLAY: &str = "#play";

/// What a URL fragment asks the page to open.
#[derive(Debug, PartialEq)]
pub enum Link {
    /// No fragment: a first visit.
    FirstVisit,
    FreePlay,
    /// A shared run, or why its link cannot be read.
    Shared(Result<Scenario, String>),
    /// A lesson by id, with this many steps played (or the step as written, if it is not a number).
    Lesson {
        id: String,
        steps: Result<usize, String>,
    },
}

/// What a fragment links to. Anything unknown reads as a first visit.
pub fn parse(fragment: &str) -> Link {
    if let Some(shared) = decode(fragment) {
        return Link::Shared(shared);
    }
    if fragment == FREE_PLAY {
        return Link::FreePlay;
    }
    let Some(rest) = fragment.strip_prefix(LESSON_PREFIX) else { return Link::FirstVisit };
    let (id, steps) = match rest.split_once("&step=") {
        // Digits only: `+2` and ` 2` are not steps a page writes.
        Some((id, n)) => {
            (id, n.parse().ok().filter(|_| n.bytes().all(|b| b.is_ascii_digit())).ok_or_else(|| n.to_string()))
        }
        None => (rest, Ok(0)),
    };
    Link::Lesson { id: percent_decoded(id), steps }
}

/// A link's text as the browser may have escaped it (`leader%2Dfailover`); an escape that is not one is
/// kept as written.
fn percent_decoded(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = |b: u8| (b as char).to_digit(16);
        match (bytes[i], bytes.get(i + 1).copied().and_then(hex), bytes.get(i + 2).copied().and_then(hex)) {
            (b'%', Some(high), Some(low)) => {
                out.push((high * 16 + low) as u8);
                i += 3;
            }
            (b, _, _) => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// At most the first 40 characters of what a link says, for a notice (a link can be any length).
pub fn excerpt(text: &str) -> String {
    match text.char_indices().nth(40) {
        Some((end, _)) => format!("{}…", &text[..end]),
        None => text.to_string(),
    }
}

/// The fragment of a lesson with `steps` steps played.
pub fn lesson_fragment(id: &str, steps: usize) -> String {
    match steps {
        0 => format!("{LESSON_PREFIX}{id}"),
        n => format!("{LESSON_PREFIX}{id}&step={n}"),
    }
}

/// The fragment for a scenario.
pub fn encode(scenario: &Scenario) -> String {
    let deflated = miniz_oxide::deflate::compress_to_vec(scenario.to_json().as_bytes(), 9);
    format!("{FRAGMENT_PREFIX}{}", URL_SAFE_NO_PAD.encode(deflated))
}

/// The scenario in a fragment, if it holds one; an error says what is wrong with a damaged link.
pub fn decode(fragment: &str) -> Option<Result<Scenario, String>> {
    let data = fragment.strip_prefix(FRAGMENT_PREFIX)?;
    Some((|| {
        // Said in the page's words, not the decoder's ("Invalid symbol 37, offset 0.": found by an adversary).
        let deflated = URL_SAFE_NO_PAD.decode(data).map_err(|e| match e {
            base64::DecodeError::InvalidByte(at, byte) | base64::DecodeError::InvalidLastSymbol(at, byte) => format!(
                "the link is damaged: '{}' (character {} of its scenario) is not in a share link, which has only \
                 letters, digits, - and _",
                char::from(byte),
                at + 1
            ),
            _ => String::from("the link is damaged (cut short, or changed): its scenario does not unpack"),
        })?;
        let json = miniz_oxide::inflate::decompress_to_vec_with_limit(&deflated, SCENARIO_JSON_BYTES_MAX).map_err(
            |e| match e.status {
                miniz_oxide::inflate::TINFLStatus::HasMoreOutput => {
                    format!("the link's scenario is larger than {} MiB", SCENARIO_JSON_BYTES_MAX >> 20)
                }
                // Not the error's Debug text: it carries everything inflated so far (a page of numbers).
                _ => String::from("the link is damaged (cut short, or changed): its scenario does not unpack"),
            },
        )?;
        let json = String::from_utf8(json).map_err(|_| String::from("the link's scenario is not UTF-8"))?;
        Scenario::parse(&json).map_err(|e| e.to_string())
    })())
}

#[cfg(test)]
mod tests {
    use super::*;
    use franz_core::sim::scenario::{Action, ScenarioEntry, SCENARIO_VERSION};

    #[test]
    fn a_scenario_survives_the_link() {
        let scenario = Scenario {
            version: SCENARIO_VERSION,
            seed: 9,
            brokers: 1,
            controllers: 3,
            network: Default::default(),
            config: Default::default(),
            clock_start_ms: 0,
            actions: vec![ScenarioEntry { at_ms: 0, action: Action::RunFor { ms: 5 }, cut_at_ms: None }],
        };
        let fragment = encode(&scenario);
        assert!(fragment.starts_with("#s="));
        assert_eq!(decode(&fragment).unwrap().unwrap(), scenario);
        assert_eq!(parse(&fragment), Link::Shared(Ok(scenario)));
        assert!(decode("#other").is_none());
        assert_eq!(
            decode("#s=%%%").unwrap().unwrap_err(),
            "the link is damaged: '%' (character 1 of its scenario) is not in a share link, which has only letters, \
             digits, - and _"
        );
        assert!(decode("#s=AAAA").unwrap().is_err());
        // A link cut short, or a long run of junk: a sentence, not the inflater's state (an adversary's link
        // of 200,000 characters made a notice of 900 KB).
        let cut = &fragment[..fragment.len() - 2];
        let junk = format!("#s={}", "A".repeat(200_000));
        for damaged in [cut, "#s=", junk.as_str()] {
            let error = decode(damaged).unwrap().unwrap_err();
            assert!(error.len() < 120, "{} characters: {error:.200}", error.len());
        }
    }

    #[test]
    fn links_name_a_lesson_a_step_or_free_play() {
        assert_eq!(parse(""), Link::FirstVisit);
        assert_eq!(parse("#"), Link::FirstVisit);
        assert_eq!(parse("#whatever"), Link::FirstVisit);
        assert_eq!(parse("#play"), Link::FreePlay);
        assert_eq!(parse("#lesson=leader-failover"), Link::Lesson { id: "leader-failover".into(), steps: Ok(0) });
        assert_eq!(parse("#lesson=a&step=3"), Link::Lesson { id: "a".into(), steps: Ok(3) });
        assert_eq!(parse("#lesson=a&step=x"), Link::Lesson { id: "a".into(), steps: Err("x".into()) });
        assert_eq!(parse("#lesson=a&step=+2"), Link::Lesson { id: "a".into(), steps: Err("+2".into()) });
        assert_eq!(parse("#lesson=leader%2Dfailover"), Link::Lesson { id: "leader-failover".into(), steps: Ok(0) });
        assert_eq!(parse("#lesson=100%25&step=1"), Link::Lesson { id: "100%".into(), steps: Ok(1) });
        assert_eq!(parse("#lesson=a%2&step=1"), Link::Lesson { id: "a%2".into(), steps: Ok(1) });
        assert_eq!(excerpt(&"x".repeat(200_000)), format!("{}…", "x".repeat(40)));
        assert_eq!(excerpt("short"), "short");
        for (id, steps) in [("a", 0), ("b-2", 4)] {
            assert_eq!(parse(&lesson_fragment(id, steps)), Link::Lesson { id: id.into(), steps: Ok(steps) });
        }
    }
}
