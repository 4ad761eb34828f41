use franz_core::check::CheckReport;
use yew::prelude::*;

#[derive(Properties, PartialEq)]
pub struct CheckerPanelProps {
    pub report: Option<CheckReport>,
    pub notice: Html,
    pub on_check: Callback<()>,
}

/// Runs Franz's checker (Jepsen's Kafka anomalies) over the run so far and lists what it found.
#[function_component(CheckerPanel)]
pub fn checker_panel(p: &CheckerPanelProps) -> Html {
    let on_check = p.on_check.reform(|_: MouseEvent| ());
    html! {
        <section class="panel checker" data-testid="checker">
            <h2>{ "Checker" }</h2>
            { p.notice.clone() }
            <button data-testid="check" onclick={on_check} title="lost writes, duplicates, reordering, reads past the HW ...">{ "Check this run" }</button>
            if let Some(report) = &p.report {
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
