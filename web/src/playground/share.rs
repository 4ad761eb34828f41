//! Share links: the scenario, deflated and base64url-encoded into the URL fragment (`#s=...`).
//! A link is untrusted input: inflating is bounded by the scenario size limit, and parsing is strict.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use franz_core::sim::scenario::{Scenario, SCENARIO_JSON_BYTES_MAX};

const FRAGMENT_PREFIX: &str = "#s=";

/// The fragment for a scenario.
pub fn encode(scenario: &Scenario) -> String {
    let deflated = miniz_oxide::deflate::compress_to_vec(scenario.to_json().as_bytes(), 9);
    format!("{FRAGMENT_PREFIX}{}", URL_SAFE_NO_PAD.encode(deflated))
}

/// The scenario in a fragment, if it holds one; an error says what is wrong with a damaged link.
pub fn decode(fragment: &str) -> Option<Result<Scenario, String>> {
    let data = fragment.strip_prefix(FRAGMENT_PREFIX)?;
    Some((|| {
        let deflated = URL_SAFE_NO_PAD.decode(data).map_err(|e| format!("the link is damaged ({e})"))?;
        let json = miniz_oxide::inflate::decompress_to_vec_with_limit(&deflated, SCENARIO_JSON_BYTES_MAX)
            .map_err(|e| format!("the link is damaged or too large ({e:?})"))?;
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
            actions: vec![ScenarioEntry { at_ms: 0, action: Action::RunFor { ms: 5 } }],
        };
        let fragment = encode(&scenario);
        assert!(fragment.starts_with("#s="));
        assert_eq!(decode(&fragment).unwrap().unwrap(), scenario);
        assert!(decode("#other").is_none());
        assert!(decode("#s=!!!").unwrap().is_err());
        assert!(decode("#s=AAAA").unwrap().is_err());
    }
}
