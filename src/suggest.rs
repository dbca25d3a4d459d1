//! "Did you mean" for ids typed on the command line or in a dataset: the known ids that
//! contain what was typed (`a100` -> every A100 variant), else the ones a few edits away.

/// Most suggestions listed: more would be a listing, which `mfucal list` prints.
const MAX_SUGGESTIONS: usize = 5;

/// `; did you mean a100-sxm, a100-pcie?` (empty when nothing is close), to end a message.
pub fn did_you_mean<'a>(typed: &str, known: impl IntoIterator<Item = &'a str>) -> String {
    let found = suggestions(typed, known);
    if found.is_empty() {
        String::new()
    } else {
        format!("; did you mean {}?", found.join(", "))
    }
}

/// The known ids closest to `typed`: those containing it (or contained in it), shortest first;
/// failing those, the ones at the smallest edit distance, if within a third of its length (at
/// least 2).
pub fn suggestions<'a>(typed: &str, known: impl IntoIterator<Item = &'a str>) -> Vec<String> {
    let t = typed.to_lowercase();
    let mut scored: Vec<(usize, usize, &str)> = Vec::new();
    for k in known {
        let lower = k.to_lowercase();
        if lower == t {
            continue;
        }
        let score = if !t.is_empty() && (lower.contains(&t) || t.contains(&lower)) {
            Some((0, lower.len().abs_diff(t.len())))
        } else {
            let d = edit_distance(&t, &lower);
            (d <= (t.chars().count() / 3).max(2)).then_some((1, d))
        };
        if let Some((class, rank)) = score {
            scored.push((class, rank, k));
        }
    }
    scored.sort();
    scored.dedup_by(|a, b| a.2 == b.2);
    // Only the best kind of match: every id containing the text, or the closest typos.
    let best = scored
        .first()
        .map(|s| if s.0 == 0 { (0, usize::MAX) } else { (1, s.1) });
    scored
        .into_iter()
        .filter(|s| best.is_some_and(|b| s.0 == b.0 && s.1 <= b.1))
        .take(MAX_SUGGESTIONS)
        .map(|(_, _, k)| k.to_string())
        .collect()
}

/// Levenshtein distance by characters.
fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut diagonal = row[0];
        row[0] = i + 1;
        for (j, &cb) in b.iter().enumerate() {
            let next = (diagonal + usize::from(ca != cb))
                .min(row[j] + 1)
                .min(row[j + 1] + 1);
            diagonal = row[j + 1];
            row[j + 1] = next;
        }
    }
    row[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn substrings_first_then_typos() {
        let known = ["a100-sxm4-40gb", "a100-pcie", "h100-sxm", "v100-sxm2"];
        assert_eq!(suggestions("a100", known), ["a100-pcie", "a100-sxm4-40gb"]);
        assert_eq!(suggestions("h100-smx", known), ["h100-sxm"]);
        assert!(suggestions("tpu-v4", known).is_empty());
        assert_eq!(edit_distance("kitten", "sitting"), 3);
        assert_eq!(did_you_mean("5nn", ["5nm", "7nm"]), "; did you mean 5nm?");
    }
}
