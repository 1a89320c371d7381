//! "Did you mean": names close to one that was not found.

/// Up to `max` of `candidates` close to `wanted`, closest first: the same
/// name in another case or module (`sharedstruct` → `shared.SharedStruct`),
/// names containing it, and names a few edits away.
pub fn close_names<'a>(wanted: &str, candidates: impl Iterator<Item = &'a str>, max: usize) -> Vec<&'a str> {
    let wanted_lower = wanted.to_lowercase();
    // Edits allowed: about one per three characters, at least two.
    let limit = (wanted.chars().count() / 3).max(2);
    let mut scored: Vec<(usize, &str)> = candidates
        .filter_map(|c| {
            let lower = c.to_lowercase();
            let local = lower.rsplit('.').next().unwrap_or(&lower);
            let score = if local == wanted_lower || lower == wanted_lower {
                0
            } else if lower.contains(&wanted_lower) {
                1
            } else {
                let d = edit_distance(&wanted_lower, local).min(edit_distance(&wanted_lower, &lower));
                if d > limit {
                    return None;
                }
                1 + d
            };
            Some((score, c))
        })
        .collect();
    scored.sort();
    scored.dedup();
    scored.into_iter().take(max).map(|(_, c)| c).collect()
}

/// Levenshtein distance over characters.
fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut prev = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let cur = row[j + 1];
            row[j + 1] = if ca == *cb { prev } else { 1 + prev.min(row[j]).min(cur) };
            prev = cur;
        }
    }
    row[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn distances() {
        assert_eq!(edit_distance("kitten", "sitting"), 3);
        assert_eq!(edit_distance("", "abc"), 3);
        assert_eq!(edit_distance("same", "same"), 0);
    }

    #[test]
    fn suggestions_prefer_exact_local_names_then_substrings_then_edits() {
        let names = ["Everything", "shared_types.SharedStruct", "Tree", "Catalog.get_args", "Point"];
        let got = close_names("sharedstruct", names.iter().copied(), 3);
        assert_eq!(got, ["shared_types.SharedStruct"]);
        assert_eq!(close_names("Evrything", names.iter().copied(), 3), ["Everything"]);
        assert_eq!(close_names("get_args", names.iter().copied(), 3), ["Catalog.get_args"]);
        assert!(close_names("Zzzzzzzz", names.iter().copied(), 3).is_empty());
    }
}
