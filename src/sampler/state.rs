//! The mergeable sampler state: per observation and batch, the four compact histograms.
//!
//! This is what a shard writes (`--shard K/N`) and what `mfucal merge` adds up. The file
//! format is small and checked: a magic line, a JSON header saying which run it belongs to,
//! the histograms as little-endian integers, and a SHA-256 of everything before it, so a
//! truncated or altered file is refused rather than merged.

use sha2::{Digest, Sha256};

use super::{LogHistogram, ObservationSamples, BATCHES};

const MAGIC: &[u8] = b"MFUCAL-STATE 1\n";

/// Why a state file cannot be read, or two states cannot be added up. The message says what
/// is wrong with the file; a caller puts its path in front.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum StateError {
    /// The bytes do not start as a state file does.
    #[error("is not an mfucal state file")]
    NotAState,
    /// The checksum does not match the contents: the file was truncated or edited.
    #[error("is corrupt: its checksum does not match its contents (truncated or edited?)")]
    Checksum,
    /// The checksum matches but the lengths inside do not add up.
    #[error("is corrupt: its layout is inconsistent")]
    Layout,
    /// Two states of different datasets.
    #[error("states hold {mine} and {theirs} observations")]
    Observations {
        /// Observations in the state added to.
        mine: usize,
        /// Observations in the state added.
        theirs: usize,
    },
}

impl From<StateError> for crate::error::Error {
    fn from(e: StateError) -> Self {
        crate::error::Error::Other(Box::new(e))
    }
}

/// Histograms per observation (outer) and batch (inner, [`BATCHES`] of them).
#[derive(Debug, Clone, PartialEq)]
pub struct SampleState {
    /// `batches[i][b]`: observation `i`'s histograms in batch `b`.
    pub batches: Vec<Vec<ObservationSamples>>,
}

impl SampleState {
    /// An empty state for `observations` observations.
    pub fn new(observations: usize) -> SampleState {
        SampleState {
            batches: vec![vec![ObservationSamples::default(); BATCHES]; observations],
        }
    }

    /// Adds another state of the same run (counts add exactly).
    pub fn merge(&mut self, other: &SampleState) -> Result<(), StateError> {
        if other.batches.len() != self.batches.len() {
            return Err(StateError::Observations {
                mine: self.batches.len(),
                theirs: other.batches.len(),
            });
        }
        for (mine, theirs) in self.batches.iter_mut().zip(&other.batches) {
            for (a, b) in mine.iter_mut().zip(theirs) {
                a.merge(b);
            }
        }
        Ok(())
    }

    /// Adds another state of the same run, taking it whole when this one holds nothing yet
    /// (no copy: a run of 100,000 observations holds one state, not two).
    pub fn absorb(&mut self, other: SampleState) -> Result<(), StateError> {
        if self.batches.len() == other.batches.len() && self.samples_per_observation() == 0 {
            *self = other;
            return Ok(());
        }
        self.merge(&other)
    }

    /// Every observation's batches together, in observation order.
    pub fn merged_all(&self) -> Vec<ObservationSamples> {
        (0..self.batches.len()).map(|i| self.merged(i)).collect()
    }

    /// Every observation's histograms, taken out of a state whose batches were merged as
    /// they were drawn ([`super::Schedule::keep_batches`] false: all in batch 0), leaving it
    /// empty; [`SampleState::put_back`] undoes it. No copy: a run of 100,000 observations
    /// holds one set of histograms, not two.
    pub fn take_merged(&mut self) -> Vec<ObservationSamples> {
        self.batches
            .iter_mut()
            .map(|b| {
                debug_assert!(b[1..].iter().all(|s| s.bound.total() == 0));
                std::mem::take(&mut b[0])
            })
            .collect()
    }

    /// Puts back what [`SampleState::take_merged`] took.
    pub fn put_back(&mut self, merged: Vec<ObservationSamples>) {
        for (b, m) in self.batches.iter_mut().zip(merged) {
            b[0] = m;
        }
    }

    /// All batches of observation `i` together.
    pub fn merged(&self, i: usize) -> ObservationSamples {
        let mut all = ObservationSamples::default();
        for b in &self.batches[i] {
            all.merge(b);
        }
        all
    }

    /// Samples per observation held (every observation holds the same number).
    pub fn samples_per_observation(&self) -> u64 {
        self.batches
            .first()
            .map_or(0, |b| b.iter().map(|s| s.bound.total()).sum())
    }

    /// The state file: `header` (JSON naming the run) and the histograms, checksummed.
    pub fn to_bytes(&self, header: &[u8]) -> Vec<u8> {
        let mut out = MAGIC.to_vec();
        out.extend((header.len() as u64).to_le_bytes());
        out.extend(header);
        out.extend((self.batches.len() as u64).to_le_bytes());
        for obs in &self.batches {
            for batch in obs {
                for h in batch.histograms() {
                    let (offset, counts, min, max) = h.parts();
                    out.extend((offset as u64).to_le_bytes());
                    out.extend((counts.len() as u64).to_le_bytes());
                    out.extend(min.to_bits().to_le_bytes());
                    out.extend(max.to_bits().to_le_bytes());
                    for c in counts {
                        out.extend(c.to_le_bytes());
                    }
                }
            }
        }
        let digest = Sha256::digest(&out);
        out.extend(digest);
        out
    }

    /// Reads a state file back: its header and the state. The error says what is wrong.
    pub fn from_bytes(bytes: &[u8]) -> Result<(Vec<u8>, SampleState), StateError> {
        if bytes.len() < MAGIC.len() + 32 || !bytes.starts_with(MAGIC) {
            return Err(StateError::NotAState);
        }
        let (body, digest) = bytes.split_at(bytes.len() - 32);
        if Sha256::digest(body).as_slice() != digest {
            return Err(StateError::Checksum);
        }
        let mut r = Reader {
            bytes: body,
            at: MAGIC.len(),
        };
        let corrupt = || StateError::Layout;
        let header_len = r.u64().ok_or_else(corrupt)? as usize;
        let header = r.take(header_len).ok_or_else(corrupt)?.to_vec();
        let n = r.u64().ok_or_else(corrupt)? as usize;
        if n > body.len() {
            return Err(corrupt());
        }
        let mut state = SampleState::new(n);
        for obs in &mut state.batches {
            for batch in obs.iter_mut() {
                let mut read = || -> Option<LogHistogram> {
                    let offset = r.u64()? as usize;
                    let len = r.u64()? as usize;
                    let min = f64::from_bits(r.u64()?);
                    let max = f64::from_bits(r.u64()?);
                    if len > r.bytes.len() / 8 {
                        return None;
                    }
                    let counts = (0..len).map(|_| r.u64()).collect::<Option<Vec<u64>>>()?;
                    LogHistogram::from_parts(offset, counts, min, max)
                };
                *batch = ObservationSamples {
                    bound: read().ok_or_else(corrupt)?,
                    efficiency: read().ok_or_else(corrupt)?,
                    pooled_bound: read().ok_or_else(corrupt)?,
                    pooled_efficiency: read().ok_or_else(corrupt)?,
                };
            }
        }
        if r.at != body.len() {
            return Err(corrupt());
        }
        Ok((header, state))
    }
}

struct Reader<'a> {
    bytes: &'a [u8],
    at: usize,
}

impl Reader<'_> {
    fn take(&mut self, n: usize) -> Option<&[u8]> {
        let end = self.at.checked_add(n)?;
        let s = self.bytes.get(self.at..end)?;
        self.at = end;
        Some(s)
    }

    fn u64(&mut self) -> Option<u64> {
        self.take(8)
            .map(|b| u64::from_le_bytes(b.try_into().expect("8 bytes")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sampler::{schedule, tests::model, Control, Schedule};

    #[test]
    fn state_round_trips_and_refuses_corruption() {
        let state =
            schedule::sample(&[model()], 1, Schedule::whole(100_000), Control::default()).unwrap();
        let bytes = state.to_bytes(b"{\"run\":1}");
        let (header, back) = SampleState::from_bytes(&bytes).unwrap();
        assert_eq!((header.as_slice(), &back), (&b"{\"run\":1}"[..], &state));
        let mut flipped = bytes.clone();
        flipped[100] ^= 1;
        assert_eq!(
            SampleState::from_bytes(&flipped).unwrap_err(),
            StateError::Checksum
        );
        assert!(SampleState::from_bytes(&bytes[..bytes.len() - 1]).is_err());
        assert_eq!(
            SampleState::from_bytes(b"hello").unwrap_err().to_string(),
            "is not an mfucal state file"
        );
    }
}
