//! Consumer groups. So far: the [`assignor`]s, as pure functions (also `franz.assignPartitions` in JS, to
//! ask "what would range do here?"). The group coordinator and the group protocol come with issue 7.

pub mod assignor;
