//! Lying servers: scripted adversaries for the paging of a listing API.
//!
//! A [`Liar`] decides, for each request, which records a page holds and what the
//! page says about the rest of the listing (a total, a count, a next cursor), in
//! terms that do not depend on any cloud ([`Lie`]). Each provider's tests render a
//! [`Lie`] in their API's shape and read the [`Position`] a request asks for, and
//! [`Liar::serve`] ties the three into a [`ScriptedServer`]. Every provider is then
//! tested against every liar: each must end in a bounded number of requests with an
//! "incomplete" error.
//!
//! ```
//! use lb_backends_testkit::{Claim, Liar, Position};
//!
//! // The repeating page: whatever is asked for, the same full page.
//! let first = Liar::RepeatingPage.page(Position::Start, 3, 0);
//! let again = Liar::RepeatingPage.page(Position::Offset(3), 3, 1);
//! assert_eq!(first.ids, again.ids);
//! assert_eq!(first.next, Claim::Text(first.ids[2].clone()));
//!
//! // A page larger than the limit.
//! assert_eq!(Liar::PageOverLimit.page(Position::Start, 3, 0).ids.len(), 4);
//! ```

use crate::{Reply, Request, ScriptedServer};

/// One adversary.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Liar {
    /// Ignores the cursor and serves the same full page every time, saying more
    /// follows (its last id as the next cursor, a plausible total of ten pages).
    RepeatingPage,
    /// Marker APIs: the next cursors go A, B, then A again, each page holding new
    /// records. Offset APIs: page contents go A, B, A.
    MarkerCycle,
    /// Serves an honest listing of `2.5 × limit` records but reports a total (and,
    /// for marker APIs, each page's count) above what it serves.
    TotalTooHigh,
    /// Serves an honest listing of `2.5 × limit` records but reports a total (and a
    /// page count) below what it serves.
    TotalTooLow,
    /// Serves an honest listing of `2.5 × limit` records, but the signal that says
    /// whether more follows (the next cursor, the total) has the wrong JSON type.
    CursorOfWrongType,
    /// Serves `limit + 1` records on a page, saying more follows.
    PageOverLimit,
    /// Ignores the cursor and serves full pages forever, every record under a new id
    /// on every page (so de-duplication never sees a repeat), saying more follows.
    /// Only a client-side bound ends it.
    ShiftingIds,
}

impl Liar {
    /// Every adversary.
    pub const ALL: [Liar; 7] = [
        Liar::RepeatingPage,
        Liar::MarkerCycle,
        Liar::TotalTooHigh,
        Liar::TotalTooLow,
        Liar::CursorOfWrongType,
        Liar::PageOverLimit,
        Liar::ShiftingIds,
    ];

    /// Whether this liar lies about a total or count: it has nothing to lie with
    /// against an API whose pages carry neither.
    pub fn lies_about_totals(self) -> bool {
        matches!(self, Liar::TotalTooHigh | Liar::TotalTooLow)
    }

    /// The page this liar serves for the `index`-th request (from 0), which asks for
    /// `limit` records at `at`.
    pub fn page(self, at: Position, limit: usize, index: usize) -> Lie {
        let limit = limit.max(1);
        let honest_size = limit * 2 + limit / 2;
        let plausible_total = Claim::Int(i128::try_from(limit * 10).unwrap_or(i128::MAX));
        match self {
            Liar::RepeatingPage => {
                let ids = fleet(0, limit, usize::MAX);
                Lie::more(ids, plausible_total)
            }
            Liar::MarkerCycle => {
                let block = |name: &str| -> Vec<String> {
                    (0..limit).map(|i| format!("{name}-{i:04}")).collect()
                };
                match at {
                    // Marker APIs: new records each time, cursors A, B, A.
                    Position::Start => Lie::more(block("a"), plausible_total),
                    Position::Marker(m) if m == format!("a-{:04}", limit - 1) => {
                        Lie::more(block("b"), plausible_total)
                    }
                    Position::Marker(_) => {
                        let mut lie = Lie::more(block(&format!("c{index}")), plausible_total);
                        lie.next = Claim::Text(format!("a-{:04}", limit - 1));
                        lie
                    }
                    // Offset APIs: contents A, B, A, B...
                    Position::Offset(o) => {
                        let k = usize::try_from(o).unwrap_or(usize::MAX) / limit;
                        Lie::more(block(if k % 2 == 0 { "a" } else { "b" }), plausible_total)
                    }
                }
            }
            Liar::TotalTooHigh | Liar::TotalTooLow | Liar::CursorOfWrongType => {
                let start = at.index();
                let ids = fleet(start, limit, honest_size);
                let more = start + ids.len() < honest_size;
                let size = i128::try_from(honest_size).unwrap_or(i128::MAX);
                let count = i128::try_from(ids.len()).unwrap_or(i128::MAX);
                let next = match ids.last() {
                    Some(last) if more => Claim::Text(last.clone()),
                    _ => Claim::Absent,
                };
                let (total, count, next) = match self {
                    Liar::TotalTooHigh => (Claim::Int(size + 7), Claim::Int(count + 1), next),
                    Liar::TotalTooLow => (Claim::Int(size - 3), Claim::Int(count - 1), next),
                    _ => (Claim::WrongType, Claim::Int(count), Claim::WrongType),
                };
                Lie {
                    ids,
                    total,
                    count,
                    next,
                }
            }
            Liar::PageOverLimit => {
                let start = at.index();
                Lie::more(fleet(start, limit + 1, usize::MAX), plausible_total)
            }
            Liar::ShiftingIds => {
                let ids = (0..limit).map(|i| format!("s{index}-{i:04}")).collect();
                Lie::more(ids, plausible_total)
            }
        }
    }

    /// A server that answers every request with this liar's page: `position` reads
    /// where a request starts and how many records it asks for; `render` writes a
    /// [`Lie`] in the API's shape.
    pub async fn serve(
        self,
        position: impl Fn(&Request) -> (Position, usize) + Send + Sync + 'static,
        render: impl Fn(&Lie) -> Reply + Send + Sync + 'static,
    ) -> ScriptedServer {
        ScriptedServer::start_with(move |request| {
            let (at, limit) = position(request);
            render(&self.page(at, limit, request.index))
        })
        .await
    }
}

/// Where a request asks its page to start.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Position {
    /// The first page (no marker).
    Start,
    /// After the record with this id (marker paging).
    Marker(String),
    /// At this item offset.
    Offset(u64),
}

impl Position {
    /// The index in an honest fleet (ids `m-00000`, `m-00001`, ...) where the page
    /// starts.
    fn index(&self) -> usize {
        match self {
            Position::Start => 0,
            Position::Offset(o) => usize::try_from(*o).unwrap_or(usize::MAX),
            Position::Marker(m) => m
                .strip_prefix("m-")
                .and_then(|n| n.parse::<usize>().ok())
                .map_or(usize::MAX, |n| n.saturating_add(1)),
        }
    }
}

/// What one lying page holds and says, before an API's shape is put on it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Lie {
    /// The ids of the page's records, in order.
    pub ids: Vec<String>,
    /// The listing's total (offset APIs).
    pub total: Claim,
    /// How many records the page says it holds (marker APIs that report it).
    pub count: Claim,
    /// The cursor of the next page (marker APIs).
    pub next: Claim,
}

impl Lie {
    /// A page of `ids` that says more follows: its last id as the next cursor,
    /// `total`, and its true count.
    fn more(ids: Vec<String>, total: Claim) -> Self {
        let next = ids.last().cloned().map_or(Claim::Absent, Claim::Text);
        let count = Claim::Int(i128::try_from(ids.len()).unwrap_or(i128::MAX));
        Self {
            ids,
            total,
            count,
            next,
        }
    }
}

/// A value a page reports.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Claim {
    /// The field is left out.
    Absent,
    /// A whole number.
    Int(i128),
    /// A string.
    Text(String),
    /// A value of the wrong JSON type for the field (the renderer picks one: a
    /// number for a string field, a string of letters for a number field, ...).
    WrongType,
}

/// `count` ids of an honest fleet of `size` records, from `start`.
fn fleet(start: usize, count: usize, size: usize) -> Vec<String> {
    (start..size.min(start.saturating_add(count)))
        .map(|i| format!("m-{i:05}"))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn honest_parts_page_through_the_fleet() {
        let p = Liar::TotalTooHigh.page(Position::Start, 4, 0);
        assert_eq!(p.ids, ["m-00000", "m-00001", "m-00002", "m-00003"]);
        assert_eq!((p.total, p.count), (Claim::Int(17), Claim::Int(5)));
        let p = Liar::TotalTooLow.page(Position::Marker("m-00007".into()), 4, 2);
        assert_eq!(p.ids, ["m-00008", "m-00009"]);
        assert_eq!(p.next, Claim::Absent, "the end of the fleet");
        assert_eq!(
            Liar::TotalTooLow.page(Position::Offset(4), 4, 1).total,
            Claim::Int(7)
        );
        let p = Liar::CursorOfWrongType.page(Position::Start, 4, 0);
        assert_eq!((p.total, p.next), (Claim::WrongType, Claim::WrongType));
    }

    #[test]
    fn the_cycle_and_the_shifting_ids() {
        let a = Liar::MarkerCycle.page(Position::Start, 2, 0);
        let Claim::Text(to_b) = a.next.clone() else {
            panic!("{a:?}")
        };
        let b = Liar::MarkerCycle.page(Position::Marker(to_b), 2, 1);
        let Claim::Text(back) = b.next.clone() else {
            panic!("{b:?}")
        };
        let c = Liar::MarkerCycle.page(Position::Marker(back), 2, 2);
        assert_eq!(c.next, a.next, "the cursor comes back to A");
        assert!(c
            .ids
            .iter()
            .all(|id| !a.ids.contains(id) && !b.ids.contains(id)));
        let x = Liar::ShiftingIds.page(Position::Start, 2, 0);
        let y = Liar::ShiftingIds.page(Position::Start, 2, 1);
        assert!(x.ids.iter().all(|id| !y.ids.contains(id)));
    }
}
