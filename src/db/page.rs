//! The keyset filter of every newest-first list, written once.

/// Keeps the rows of a boxed query that come strictly after `$cursor` in `($time DESC, $id DESC)`
/// order. `$cursor` is an `Option<&crate::page::Cursor>`; a sequence cursor filters nothing.
macro_rules! after_cursor {
    ($query:expr, $time:expr, $id:expr, $cursor:expr) => {
        match $cursor.and_then(|c: &$crate::page::Cursor| c.time()) {
            Some((at, id)) => $query.filter($time.lt(at).or($time.eq(at).and($id.lt(id)))),
            None => $query,
        }
    };
}
pub(crate) use after_cursor;
