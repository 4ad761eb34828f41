//! Every lesson of the library, played natively: each claim of each step must hold. `FRANZ_LESSON=path`
//! plays a lesson draft from a file and prints every verdict (for lesson authors).

use franz_core::lesson::{library, play, Lesson, LessonRun, StepReport, LESSON_STEPS_MAX};

fn report(lesson: &Lesson, reports: &[StepReport]) -> String {
    let mut text = format!("lesson {}:\n", lesson.id);
    for r in reports {
        text += &format!("  step {} (ended at {} ms):\n", r.step + 1, r.ended_ms);
        for v in &r.verdicts {
            let mark = if v.met { "ok  " } else { "FAIL" };
            text +=
                &format!("    {mark} {}{}\n", v.claim, if v.met { String::new() } else { format!(": {}", v.actual) });
        }
    }
    text
}

#[test]
fn every_lesson_keeps_every_claim() {
    let lessons = library();
    assert!(!lessons.is_empty());
    let mut failed = Vec::new();
    for lesson in &lessons {
        let (_, reports) = play(lesson).unwrap();
        assert_eq!(reports.len(), lesson.steps.len());
        if !reports.iter().all(StepReport::all_met) {
            failed.push(report(lesson, &reports));
        }
    }
    assert!(failed.is_empty(), "claims that do not hold:\n{}", failed.join("\n"));
}

/// A step played in slices of its `runFor`s and blocking calls' waits (as the page spreads a long step over
/// frames) is the same run: the same trace and the same verdicts as played at once, whatever the slice.
#[test]
fn a_step_played_in_slices_is_the_same_run() {
    let (mut sliced_steps, mut sliced_calls) = (0, 0);
    for lesson in &library() {
        let (whole, reports) = play(lesson).unwrap();
        for slice_ms in [997, 4_999] {
            let mut run = LessonRun::start(lesson).unwrap();
            let mut sliced = Vec::new();
            let mut slices = 0;
            while sliced.len() < lesson.steps.len() {
                slices += 1;
                if let Some(report) = run.play_step_for(lesson, slice_ms).unwrap() {
                    assert!(!run.step_under_way());
                    sliced.push(report);
                } else {
                    assert!(run.step_under_way());
                    sliced_calls += usize::from(run.world.call_under_way());
                }
            }
            sliced_steps += slices - lesson.steps.len();
            assert_eq!(sliced, reports, "{} in slices of {slice_ms} ms", lesson.id);
            assert_eq!(run.world.trace().hash(), whole.trace().hash(), "{} in slices of {slice_ms} ms", lesson.id);
            assert_eq!(run.world.scenario().unwrap(), whole.scenario().unwrap(), "{}", lesson.id);
        }
    }
    assert!(sliced_steps > 100, "steps took more than one slice: {sliced_steps} slices beyond one a step");
    // (The controller quorum's lesson: an admin call waits a minute for a lost quorum.)
    assert!(sliced_calls > 10, "calls took more than one slice: {sliced_calls}");
}

/// Behaviours written as lessons (not in the library): Kafka's rules that a lesson writer found Franz
/// breaking, kept so they stay fixed.
#[test]
fn every_behaviour_fixture_keeps_every_claim() {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/behaviours");
    let mut files: Vec<_> = std::fs::read_dir(dir).unwrap().map(|e| e.unwrap().path()).collect();
    files.sort();
    assert!(!files.is_empty());
    let mut failed = Vec::new();
    for path in files {
        let lesson = Lesson::parse(&std::fs::read_to_string(&path).unwrap()).unwrap();
        let (_, reports) = play(&lesson).unwrap();
        if !reports.iter().all(StepReport::all_met) {
            failed.push(report(&lesson, &reports));
        }
    }
    assert!(failed.is_empty(), "claims that do not hold:\n{}", failed.join("\n"));
}

#[test]
fn the_library_is_whole_and_every_lesson_is_distinct() {
    let lessons = library();
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../core/lessons");
    let sources = std::fs::read_dir(dir).unwrap().count() - 1;
    assert_eq!(lessons.len(), sources, "every file in core/lessons (but its index) parses and is in the library");
    // The playground fetches the files its index names, in that order: the same lessons as the library's.
    let index: Vec<String> =
        serde_json::from_str(&std::fs::read_to_string(format!("{dir}/index.json")).unwrap()).unwrap();
    let fetched: Vec<Lesson> = index
        .iter()
        .map(|name| Lesson::parse(&std::fs::read_to_string(format!("{dir}/{name}")).unwrap()).unwrap())
        .collect();
    assert!(fetched == lessons, "core/lessons/index.json names the library's files in its order");
    let mut ids: Vec<&str> = lessons.iter().map(|l| l.id.as_str()).collect();
    ids.sort_unstable();
    ids.dedup();
    assert_eq!(ids.len(), lessons.len(), "lesson ids are unique");
    for lesson in &lessons {
        assert!(lesson.steps.len() <= LESSON_STEPS_MAX);
        for step in &lesson.steps {
            assert!(!step.narration.is_empty(), "{}: every step narrates", lesson.id);
            assert!(!step.actions.is_empty() || !step.expect.is_empty(), "{}: every step acts or claims", lesson.id);
        }
        assert_eq!(Lesson::parse(&lesson.to_json()).unwrap(), *lesson, "a lesson reads back as written");
    }
}

#[test]
fn bad_lessons_are_refused_by_name() {
    use franz_core::ErrorCode;
    for bad in [
        "",
        "{}",
        "[1]",
        r#"{"id":"x y","chapter":"","title":"","question":"","promise":"","cluster":{"seed":1,"brokers":1},"steps":[]}"#,
    ] {
        assert_eq!(Lesson::parse(bad).unwrap_err().code, ErrorCode::InvalidRequest, "{bad}");
    }
    let huge = "x".repeat(franz_core::lesson::LESSON_JSON_BYTES_MAX + 1);
    assert_eq!(Lesson::parse(&huge).unwrap_err().code, ErrorCode::InvalidRequest);
}

#[test]
fn a_claim_that_does_not_hold_is_reported_with_what_the_world_shows() {
    let mut lesson = library().into_iter().next().unwrap();
    let json = lesson.to_json().replace(r#""is": 3"#, r#""is": 4"#);
    lesson = Lesson::parse(&json).unwrap();
    let (_, reports) = play(&lesson).unwrap();
    let failed: Vec<_> = reports.iter().flat_map(|r| &r.verdicts).filter(|v| !v.met).collect();
    assert!(!failed.is_empty());
    assert!(failed.iter().all(|v| !v.actual.is_empty()), "{failed:?}");
}

#[test]
fn a_lesson_draft_from_a_file() {
    let Ok(path) = std::env::var("FRANZ_LESSON") else { return };
    let lesson = Lesson::parse(&std::fs::read_to_string(&path).unwrap()).unwrap();
    let (world, reports) = play(&lesson).unwrap();
    println!("{}", report(&lesson, &reports));
    if std::env::var("FRANZ_LESSON_TRACE").is_ok() {
        for e in world.trace().since(0) {
            println!("{}", e.text());
        }
    }
}

#[test]
fn the_send_retry_replica_and_epoch_claims_say_what_the_world_shows_when_they_fail() {
    use franz_core::lesson::Expectation;
    use franz_core::ErrorCode;
    // Every such claim of the library made false (the actions stay, so the world does not change): each then
    // fails, and says what the world shows.
    let mut falsified = 0;
    for mut lesson in library() {
        let mut changed = 0;
        for step in &mut lesson.steps {
            for claim in &mut step.expect {
                changed += usize::from(match claim {
                    Expectation::SendsAcknowledged { count, .. } => {
                        *count += 1;
                        true
                    }
                    Expectation::ProduceRetried { error } => {
                        *error = ErrorCode::InvalidRecord;
                        true
                    }
                    Expectation::Replicas { is, .. } => {
                        is.reverse();
                        true
                    }
                    Expectation::LeaderEpoch { is, .. } => {
                        *is += 10;
                        true
                    }
                    _ => false,
                });
            }
        }
        if changed == 0 {
            continue;
        }
        falsified += 1;
        let (_, reports) = play(&lesson).unwrap();
        let failed: Vec<_> = reports.iter().flat_map(|r| &r.verdicts).filter(|v| !v.met).collect();
        assert_eq!(failed.len(), changed, "{}: each falsified claim fails, and only those: {failed:?}", lesson.id);
        assert!(failed.iter().all(|v| !v.actual.is_empty()), "{failed:?}");
    }
    assert!(falsified >= 4, "the library uses these claims");
}
