//! `[outputs]`: which optional rows the exporters write.

use super::Found;
use crate::config::plan::ObservationSensitivity;
use crate::config::raw::RawOutputs;
use crate::error::shown;

pub(super) fn resolve(raw: &RawOutputs, found: &mut Found) -> ObservationSensitivity {
    match &raw.observation_sensitivity {
        None => ObservationSensitivity::Auto,
        Some(v) => match v.get_ref().as_str() {
            "auto" => ObservationSensitivity::Auto,
            "all" => ObservationSensitivity::All,
            "none" => ObservationSensitivity::None,
            other => {
                found.key(
                    Some(v.span()),
                    "outputs.observation_sensitivity",
                    format!(
                        "unknown value '{}'; use \"auto\" (up to {} observations), \"all\" or \"none\"",
                        shown(other),
                        ObservationSensitivity::AUTO_MAX_OBSERVATIONS
                    ),
                );
                ObservationSensitivity::Auto
            }
        },
    }
}
