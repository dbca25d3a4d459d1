//! Epoch AI's "Data on Machine Learning Hardware" CSV (`ml_hardware.csv`, CC-BY), read into
//! rows of our accelerators schema.
//!
//! Epoch publishes one row per accelerator with 39 columns (see
//! `../shared/reference/hardware-and-mfu-sources.md` §A.3). What we take, by Epoch's column
//! names:
//! - peaks, which Epoch gives **dense** and in FLOP/s (OP/s for INT8): `TF32 (TensorFloat-32)
//!   performance (FLOP/s)` → tf32; `Tensor-FP16/BF16 performance (FLOP/s)` → bf16 and fp16
//!   (Epoch has one column for both); `FP8 performance (FLOP/s)` → fp8; `INT8 performance
//!   (OP/s)` → int8. A blank peak is not published: no row, never a guess. `FP16 (half
//!   precision)` is the non-tensor rate and FP4/INT4 are not calibrated here.
//! - `TDP (W)`; a blank TDP skips the accelerator (reported), never a made-up power.
//! - `Process size (nm)` → node `<n>nm`; `Foundry` goes to `foundry_process`.
//! - `Release date` → year; `Manufacturer` → vendor; `Link to datasheet` → source.
//!
//! Epoch's one `Tensor-FP16/BF16` column does not say which of the two formats a chip has.
//! [`shared_column_precisions`] decides from the maker and the release year, by the
//! generation that brought each format to its matrix units: NVIDIA's BF16 came with Ampere
//! (A100, 2020; V100 and T4 have FP16 only), AMD's with CDNA (MI100, 2020; MI50/MI60 have FP16
//! only), and Google's TPU matrix units take bfloat16, the format Google made for them, and
//! publish no FP16 peak. Other makers' chips get both rows, with a note to remove one.
//!
//! For Google TPUs, Epoch's `TDP (W)` holds Google's measured mean chip power (§A.3 "known
//! quirks"), so those rows get `power_basis = chip_measured_mean`.

use std::path::Path;

use super::table::{self, parse_number, Table};
use super::{PowerBasis, Precision, FULL_UTILISATION_PJ_RANGE};
use crate::error::{InputErrors, Problems};
use crate::fmt::Short;
use crate::units;

/// Epoch's column: the hardware's name (becomes the id and `epoch_name`).
pub const NAME: &str = "Hardware name";
/// Epoch's column: the vendor.
pub const MANUFACTURER: &str = "Manufacturer";
/// Epoch's column: the release date (its year becomes `year`).
pub const RELEASE_DATE: &str = "Release date";
/// Epoch's column: TDP, W.
pub const TDP: &str = "TDP (W)";
/// Epoch's column: process node, nm.
pub const PROCESS: &str = "Process size (nm)";
/// Epoch's column: foundry (goes to `foundry_process`).
pub const FOUNDRY: &str = "Foundry";
/// Epoch's column: the datasheet link (becomes `source`).
pub const DATASHEET: &str = "Link to datasheet";

/// Epoch's dense-peak columns and the precisions each one gives.
pub const PEAK_COLUMNS: [(&str, &[Precision]); 4] = [
    (
        "TF32 (TensorFloat-32) performance (FLOP/s)",
        &[Precision::Tf32],
    ),
    (
        "Tensor-FP16/BF16 performance (FLOP/s)",
        &[Precision::Bf16, Precision::Fp16],
    ),
    ("FP8 performance (FLOP/s)", &[Precision::Fp8]),
    ("INT8 performance (OP/s)", &[Precision::Int8]),
];

/// How the source column names Epoch, for every imported row.
pub const SOURCE: &str = "Epoch AI, \"Data on Machine Learning Hardware\" (ml_hardware.csv)";

/// One row of our schema built from Epoch.
#[derive(Debug, Clone, PartialEq)]
pub struct ImportedRow {
    /// Id derived from Epoch's name (see [`accelerator_id`]).
    pub accelerator: String,
    /// Manufacturer.
    pub vendor: String,
    /// Process node, `<n>nm`.
    pub node: String,
    /// Release year.
    pub year: i64,
    /// Epoch's `TDP (W)`, W (a measured mean chip power for TPUs, see `power_basis`).
    pub tdp_w: f64,
    /// Precision of this row's peak.
    pub precision: Precision,
    /// Dense peak, TFLOPS (TOPS for int8), from Epoch's FLOP/s.
    pub dense_peak_tflops: f64,
    /// [`SOURCE`], followed by the datasheet link when Epoch gives one.
    pub source: String,
    /// Column `foundry_process`: Epoch's `Foundry`.
    pub foundry_process: String,
    /// `chip_measured_mean` for Google TPUs, else `board_tdp`.
    pub power_basis: PowerBasis,
    /// Column `notes`: which Epoch column the peak came from, and caveats (shared bf16/fp16 figure,
    /// TPU power).
    pub notes: String,
    /// Epoch's `Hardware name`, kept so later imports find the row again.
    pub epoch_name: String,
    /// Line in Epoch's file.
    pub line: u64,
}

/// An Epoch row that gave nothing, and why.
#[derive(Debug, Clone, PartialEq)]
pub struct Skipped {
    /// Line in Epoch's file.
    pub line: u64,
    /// Epoch's `Hardware name`.
    pub name: String,
    /// Why the row gave nothing.
    pub why: String,
}

/// What an Epoch file yields.
#[derive(Debug, Clone, Default)]
pub struct EpochImport {
    /// Rows in Epoch's file.
    pub hardware_rows: usize,
    /// Rows of our schema built, one per accelerator and published peak.
    pub rows: Vec<ImportedRow>,
    /// Epoch rows that gave nothing, and why.
    pub skipped: Vec<Skipped>,
    /// Precisions of Epoch's shared FP16/BF16 figure that the chip does not have: no row.
    pub left_out: Vec<Skipped>,
}

/// The first release year of BF16 matrix units at NVIDIA (Ampere, A100) and AMD (CDNA, MI100).
pub const FIRST_BF16_YEAR: i64 = 2020;

/// Which of bf16 and fp16 get a row from Epoch's one `Tensor-FP16/BF16` figure, and why a
/// format is left out (see the module docs for the rule).
pub fn shared_column_precisions(manufacturer: &str, year: i64) -> (Vec<Precision>, Option<String>) {
    let maker = manufacturer.to_ascii_lowercase();
    if maker == "google" {
        return (
            vec![Precision::Bf16],
            Some(
                "no fp16 row: Google's TPU matrix units take bfloat16 and publish no FP16 peak"
                    .into(),
            ),
        );
    }
    if (maker == "nvidia" || maker == "amd") && year < FIRST_BF16_YEAR {
        let generation = if maker == "nvidia" {
            "Ampere (A100)"
        } else {
            "CDNA (MI100)"
        };
        return (
            vec![Precision::Fp16],
            Some(format!(
                "no bf16 row: {manufacturer} chips before {generation}, {FIRST_BF16_YEAR}, have no BF16 matrix units (released {year})"
            )),
        );
    }
    (vec![Precision::Bf16, Precision::Fp16], None)
}

/// A stable id from Epoch's hardware name: the manufacturer's name dropped from the front,
/// lower case, runs of other characters as one `-`, and a memory size joined to its unit
/// (`80 GB` → `80gb`). `NVIDIA A100 SXM4 80 GB` → `a100-sxm4-80gb`.
pub fn accelerator_id(name: &str, manufacturer: &str) -> String {
    let lower = name.to_lowercase();
    let m = manufacturer.to_lowercase();
    let rest = match lower.strip_prefix(&m) {
        Some(r) if !m.is_empty() && r.starts_with([' ', '-', '_']) => r,
        _ => lower.as_str(),
    };
    // Accented Latin letters become their base letters (`Ü` → `u`); other letters and digits
    // (`昇腾`) are kept as they are, never dropped: ids stay readable and distinct.
    let folded: String = rest.chars().map(fold_accent).collect();
    let tokens: Vec<&str> = folded
        .split(|c: char| !c.is_alphanumeric())
        .filter(|t| !t.is_empty())
        .collect();
    let mut out: Vec<String> = Vec::new();
    for t in tokens {
        let unit = matches!(t, "gb" | "tb" | "mb");
        match out.last_mut() {
            Some(prev) if unit && prev.chars().all(|c| c.is_ascii_digit()) => prev.push_str(t),
            _ => out.push(t.to_string()),
        }
    }
    out.join("-")
}

/// A lower-case accented Latin letter as its base letters; any other character unchanged.
fn fold_accent(c: char) -> std::borrow::Cow<'static, str> {
    let base = match c {
        'à' | 'á' | 'â' | 'ã' | 'ä' | 'å' | 'ā' | 'ą' => "a",
        'æ' => "ae",
        'ç' | 'ć' | 'č' => "c",
        'ď' => "d",
        'è' | 'é' | 'ê' | 'ë' | 'ē' | 'ę' | 'ě' => "e",
        'ì' | 'í' | 'î' | 'ï' | 'ī' => "i",
        'ł' => "l",
        'ñ' | 'ń' | 'ň' => "n",
        'ò' | 'ó' | 'ô' | 'õ' | 'ö' | 'ø' | 'ō' | 'ő' => "o",
        'œ' => "oe",
        'ř' => "r",
        'ś' | 'š' => "s",
        'ß' => "ss",
        'ť' => "t",
        'ù' | 'ú' | 'û' | 'ü' | 'ū' | 'ů' | 'ű' => "u",
        'ý' | 'ÿ' => "y",
        'ź' | 'ż' | 'ž' => "z",
        _ => return c.to_string().into(),
    };
    base.into()
}

/// Process nodes an import accepts, nm: every node made so far, with room both ways; a value
/// outside is a unit slip or a broken row, and would make an absurd node name.
pub const PROCESS_NM_RANGE: (f64, f64) = (0.1, 1000.0);

/// Release years an import accepts: those `validate` accepts in the accelerators file.
pub const YEAR_RANGE: (i64, i64) = (1950, 2100);

/// `5` → `5nm`; `6.5` → `6.5nm`.
fn node_name(process_nm: f64) -> String {
    format!("{process_nm}nm")
}

/// Reads Epoch's CSV. An unreadable file or a missing column is a located input error; an
/// accelerator with a field that is not a number, or too little to make a row of, is
/// [`Skipped`] with the reason.
pub fn read(path: &Path) -> Result<EpochImport, InputErrors> {
    let mut problems = Problems::default();
    let mut required = vec![
        NAME,
        MANUFACTURER,
        RELEASE_DATE,
        TDP,
        PROCESS,
        FOUNDRY,
        DATASHEET,
    ];
    required.extend(PEAK_COLUMNS.iter().map(|(c, _)| *c));
    let bytes = table::read_file(path, path, &mut problems);
    let table = bytes.and_then(|b| Table::parse(&b, path, &required, &mut problems));
    let Some(table) = table else {
        return Err(problems
            .finish(())
            .expect_err("a failed read leaves a problem"));
    };
    let mut out = EpochImport {
        hardware_rows: table.rows.len(),
        ..EpochImport::default()
    };
    let mut seen: Vec<(String, u64)> = Vec::new();
    for row in &table.rows {
        let Some(name) = table.required_text(row, NAME, &mut problems) else {
            continue;
        };
        let skip = |why: String| Skipped {
            line: row.line,
            name: name.to_string(),
            why,
        };
        // A field we cannot read skips its accelerator with the reason, and the rest of a
        // file we do not control still imports.
        let number = |column: &str| -> Result<Option<f64>, String> {
            let text = table.text(row, column);
            if text.is_empty() {
                return Ok(None);
            }
            match parse_number(text) {
                Ok(x) if x > 0.0 => Ok(Some(x)),
                Ok(x) => Err(format!("column {column}: {x} must be above 0")),
                Err(m) => Err(format!("column {column}: {m}")),
            }
        };
        let read = (|| {
            let peaks: Vec<Option<f64>> = PEAK_COLUMNS
                .iter()
                .map(|(c, _)| number(c))
                .collect::<Result<_, _>>()?;
            Ok::<_, String>((number(TDP)?, number(PROCESS)?, peaks))
        })();
        let (tdp, process, peaks) = match read {
            Ok(fields) => fields,
            Err(why) => {
                out.skipped.push(skip(format!("{why}; not written")));
                continue;
            }
        };
        let manufacturer = table.text(row, MANUFACTURER);
        let id = accelerator_id(name, manufacturer);
        if let Some((_, first)) = seen.iter().find(|(s, _)| *s == id) {
            out.skipped.push(skip(format!(
                "gives the id '{id}' again (first on line {first}); only the first row is used"
            )));
            continue;
        }
        seen.push((id.clone(), row.line));
        let Some(tdp_w) = tdp else {
            out.skipped.push(skip(format!(
                "no {TDP}; not written (add the row by hand with a sourced power figure)"
            )));
            continue;
        };
        let Some(process_nm) = process else {
            out.skipped.push(skip(format!(
                "no {PROCESS}; not written (add the row by hand with its node)"
            )));
            continue;
        };
        let year = table
            .text(row, RELEASE_DATE)
            .get(..4)
            .and_then(|y| y.parse::<i64>().ok());
        let Some(year) = year else {
            out.skipped
                .push(skip(format!("no {RELEASE_DATE} (YYYY-MM-DD); not written")));
            continue;
        };
        // The plausibility checks `validate` applies to the accelerators file, applied before
        // writing, so an import never writes a row the next `validate` refuses.
        if !(PROCESS_NM_RANGE.0..=PROCESS_NM_RANGE.1).contains(&process_nm) {
            out.skipped.push(skip(format!(
                "column {PROCESS}: {} is not a process node in nm (from {} to {}); not written",
                Short(process_nm),
                PROCESS_NM_RANGE.0,
                PROCESS_NM_RANGE.1
            )));
            continue;
        }
        if !(YEAR_RANGE.0..=YEAR_RANGE.1).contains(&year) {
            out.skipped.push(skip(format!(
                "column {RELEASE_DATE}: {year} is not a plausible year; not written"
            )));
            continue;
        }
        if manufacturer.is_empty() {
            out.skipped
                .push(skip(format!("no {MANUFACTURER}; not written")));
            continue;
        }
        let (lowest, highest) = FULL_UTILISATION_PJ_RANGE;
        let mut published: Vec<(&str, &[Precision], f64)> = Vec::new();
        for ((column, precisions), peak) in PEAK_COLUMNS.iter().zip(&peaks) {
            let Some(flops_per_s) = *peak else { continue };
            let full = units::pj_per_mac(tdp_w, flops_per_s, units::DEFAULT_FLOPS_PER_MAC);
            if (lowest..=highest).contains(&full) {
                published.push((column, precisions, flops_per_s));
            } else {
                out.skipped.push(skip(format!(
                    "column {column}: {} at {} W is {} pJ/MAC at 100 % MFU, outside {lowest:e} \
                     to {highest:e} (a unit slip?); not written",
                    Short(flops_per_s),
                    Short(tdp_w),
                    Short(full)
                )));
            }
        }
        if published.is_empty() && out.skipped.last().is_some_and(|k| k.line == row.line) {
            continue; // every peak was implausible, and each said so
        }
        if published.is_empty() {
            out.skipped.push(skip(
                "no dense peak at tf32, bf16/fp16, fp8 or int8; not written".into(),
            ));
            continue;
        }
        let tpu = manufacturer.eq_ignore_ascii_case("google");
        let link = table.text(row, DATASHEET);
        let source = if link.is_empty() {
            SOURCE.to_string()
        } else {
            format!("{SOURCE}; datasheet: {link}")
        };
        let foundry = table.text(row, FOUNDRY);
        let foundry_process = if foundry.is_empty() {
            format!("{process_nm} nm (Epoch)")
        } else {
            format!("{foundry} {process_nm} nm (Epoch)")
        };
        for (column, precisions, flops_per_s) in published {
            let mut notes = format!("Imported from Epoch AI: dense peak from '{column}'.");
            let mut precisions = precisions.to_vec();
            if precisions.len() > 1 {
                let (kept, why) = shared_column_precisions(manufacturer, year);
                if let Some(why) = why {
                    out.left_out.push(skip(why));
                }
                if kept.len() > 1 {
                    notes.push_str(" Epoch gives one Tensor-FP16/BF16 figure, written for both bf16 and fp16; remove the row of a format the chip lacks.");
                } else {
                    notes.push_str(" Epoch's Tensor-FP16/BF16 figure, for the one of the two formats the chip has.");
                }
                precisions = kept;
            }
            if tpu {
                notes.push_str(" Epoch's TDP for TPUs is Google's measured mean chip power.");
            }
            for &precision in &precisions {
                out.rows.push(ImportedRow {
                    accelerator: id.clone(),
                    vendor: manufacturer.to_string(),
                    node: node_name(process_nm),
                    year,
                    tdp_w,
                    precision,
                    dense_peak_tflops: units::tflops(flops_per_s),
                    source: source.clone(),
                    foundry_process: foundry_process.clone(),
                    power_basis: if tpu {
                        PowerBasis::ChipMeasuredMean
                    } else {
                        PowerBasis::BoardTdp
                    },
                    notes: notes.clone(),
                    epoch_name: name.to_string(),
                    line: row.line,
                });
            }
        }
    }
    problems.finish(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_stable_slugs_of_the_name() {
        assert_eq!(
            accelerator_id("NVIDIA A100 SXM4 80 GB", "NVIDIA"),
            "a100-sxm4-80gb"
        );
        assert_eq!(
            accelerator_id("NVIDIA H100 SXM5 80GB", "NVIDIA"),
            "h100-sxm5-80gb"
        );
        assert_eq!(accelerator_id("Google TPU v4", "Google"), "tpu-v4");
        assert_eq!(
            accelerator_id("AMD Instinct MI300X", "AMD"),
            "instinct-mi300x"
        );
        // A manufacturer that is not a prefix of the name leaves the name whole.
        assert_eq!(accelerator_id("Trainium2", "Amazon"), "trainium2");
        assert_eq!(accelerator_id("Ünïcörn Straße 7", "X"), "unicorn-strasse-7");
        assert_eq!(accelerator_id("Huawei 昇腾 910B", "Huawei"), "昇腾-910b");
        assert_eq!(node_name(5.0), "5nm");
        assert_eq!(node_name(6.5), "6.5nm");
    }
}
