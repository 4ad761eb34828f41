use franz_core::check::CheckReport;
use yew::prelude::*;

/// Runs Franz's checker (Jepsen's Kafka anomalies) over the run so far and lists what it found. (A function,
/// not a component: a component's machinery costs the wasm about 2 KB.)
pub fn checker_panel(report: Option<&CheckReport>, notice: Html, on_check: &Callback<()>) -> Html {
    let on_check = on_check.reform(|_: MouseEvent| ());
    html! {
        <section class="panel checker" data-testid="checker">
            <h2>{ "Checker" }</h2>
            { notice }
            <button data-testid="check" onclick={on_check} title="lost writes, duplicates, reordering, reads past the HW ...">{ "Check this run" }</button>
            if let Some(report) = report {
                <p class="scope" data-testid="check-scope">{ format!("The checker {}.", report.scope()) }</p>
                if report.ok {
                    <p class="ok" data-testid="check-ok">{ "No anomaly: nothing acknowledged was lost." }</p>
                } else {
                    <ul class="violations" data-testid="violations">
                        { for report.violations.iter().map(|v| html! {
                            <li class="violation">
                                <span class="kind">{ format!("{:?}", v.kind) }</span>
                                { format!(" {}-{}{}: {}", v.topic, v.partition, v.offset.map_or(String::new(), |o| format!(" @{o}")), v.detail) }
                            </li>
                        }) }
                    </ul>
                }
            }
        </section>
    }
}
