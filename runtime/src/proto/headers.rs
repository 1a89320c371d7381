//! An ordered list of header key/value pairs, as TTHeader and THeader info blocks carry them.
//!
//! Decoding keeps the entries in wire order (duplicates included) and their bytes as
//! zero-copy slices of the frame, so that a header decoded and encoded again gives the
//! same bytes, and a proxy passes on exactly what it received. Lookups are linear: a
//! header holds a handful of entries, and a scan over them costs less than hashing. When
//! a key repeats, [`Headers::get`] answers with the last value, as the Go and Rust
//! peers do (they decode into hash maps, where the last insert wins).

use std::borrow::Borrow;
use std::fmt;

use bytes::Bytes;

/// Ordered header entries: keys of type `K` (`Bytes` for string keys, `u16` for
/// TTHeader's integer keys) with `Bytes` values.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct Headers<K> {
    entries: Vec<(K, Bytes)>,
}

impl<K> Default for Headers<K> {
    fn default() -> Self {
        Headers { entries: Vec::new() }
    }
}

impl<K> Headers<K> {
    /// No entries.
    pub fn new() -> Self {
        Self::default()
    }

    /// The number of entries, duplicates included.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Whether there are no entries.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// The entries in order.
    pub fn iter(&self) -> impl ExactSizeIterator<Item = (&K, &Bytes)> {
        self.entries.iter().map(|(k, v)| (k, v))
    }

    /// Adds an entry at the end, even if the key is already there (as a decoder does).
    pub fn append(&mut self, key: K, value: impl Into<Bytes>) {
        self.entries.push((key, value.into()));
    }

    /// Removes every entry.
    pub fn clear(&mut self) {
        self.entries.clear();
    }

    /// The value of `key` (the last one if the key repeats).
    pub fn get<Q>(&self, key: &Q) -> Option<&Bytes>
    where
        K: Borrow<Q>,
        Q: PartialEq + ?Sized,
    {
        self.entries.iter().rev().find(|(k, _)| k.borrow() == key).map(|(_, v)| v)
    }

    /// The value of `key` as text, if it is there and is UTF-8.
    pub fn get_str<Q>(&self, key: &Q) -> Option<&str>
    where
        K: Borrow<Q>,
        Q: PartialEq + ?Sized,
    {
        self.get(key).and_then(|v| std::str::from_utf8(v).ok())
    }

    /// Sets `key` to `value`: replaces the value of the first entry with that key (and drops
    /// any later duplicates), or appends a new entry. Returns the value it replaced.
    pub fn insert(&mut self, key: K, value: impl Into<Bytes>) -> Option<Bytes>
    where
        K: PartialEq,
    {
        let value = value.into();
        match self.entries.iter().position(|(k, _)| *k == key) {
            Some(i) => {
                let old = std::mem::replace(&mut self.entries[i].1, value);
                let mut index = 0;
                self.entries.retain(|(k, _)| {
                    let keep = index <= i || *k != key;
                    index += 1;
                    keep
                });
                Some(old)
            }
            None => {
                self.entries.push((key, value));
                None
            }
        }
    }

    /// Removes every entry with `key` and returns the last value it had.
    pub fn remove<Q>(&mut self, key: &Q) -> Option<Bytes>
    where
        K: Borrow<Q>,
        Q: PartialEq + ?Sized,
    {
        let mut last = None;
        self.entries.retain(|(k, v)| {
            if k.borrow() == key {
                last = Some(v.clone());
                false
            } else {
                true
            }
        });
        last
    }
}

impl<K: fmt::Debug> fmt::Debug for Headers<K> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_map().entries(self.entries.iter().map(|(k, v)| (k, v))).finish()
    }
}

impl<K, V: Into<Bytes>> FromIterator<(K, V)> for Headers<K> {
    fn from_iter<I: IntoIterator<Item = (K, V)>>(iter: I) -> Self {
        Headers { entries: iter.into_iter().map(|(k, v)| (k, v.into())).collect() }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn last_duplicate_wins_and_insert_replaces_in_place() {
        let mut h: Headers<Bytes> = Headers::new();
        h.append(Bytes::from_static(b"a"), "1");
        h.append(Bytes::from_static(b"b"), "2");
        h.append(Bytes::from_static(b"a"), "3");
        assert_eq!(h.get(b"a".as_slice()).unwrap(), "3");
        assert_eq!(h.get_str(b"b".as_slice()), Some("2"));
        assert_eq!(h.insert(Bytes::from_static(b"a"), "4").unwrap(), "1");
        let keys: Vec<_> = h.iter().map(|(k, v)| (k.clone(), v.clone())).collect();
        assert_eq!(
            keys,
            vec![(Bytes::from_static(b"a"), Bytes::from("4")), (Bytes::from_static(b"b"), Bytes::from("2"))]
        );
        assert_eq!(h.insert(Bytes::from_static(b"c"), "5"), None);
        assert_eq!(h.len(), 3);
        assert_eq!(h.remove(b"a".as_slice()).unwrap(), "4");
        assert_eq!(h.get(b"a".as_slice()), None);

        let mut ints: Headers<u16> = [(9u16, "m"), (9, "n")].into_iter().collect();
        assert_eq!(ints.get(&9).unwrap(), "n");
        assert_eq!(ints.remove(&9).unwrap(), "n");
        assert!(ints.is_empty());
    }
}
