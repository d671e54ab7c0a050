//! The error codes in the spec, machine-readable: each error response lists the codes its
//! description names as `x-error-codes`, and `code` of a problem (and of a Prakerja-compatible
//! refusal) is an enum of every code in the reference. A test holds these to the reference.

use utoipa::openapi::extensions::ExtensionsBuilder;
use utoipa::openapi::schema::Schema;
use utoipa::openapi::{OpenApi, RefOr};

use crate::error::reference;

/// The extension that lists a response's codes.
pub const EXTENSION: &str = "x-error-codes";

pub fn document(api: &mut OpenApi) {
    for (_, op) in super::operations_mut(api) {
        for (status, response) in op.responses.responses.iter_mut() {
            let RefOr::T(response) = response else {
                continue;
            };
            let codes = named_codes(&response.description);
            if status.starts_with(['4', '5']) && !codes.is_empty() {
                let ext = ExtensionsBuilder::new().add(EXTENSION, codes).build();
                response.extensions.get_or_insert_default().merge(ext);
            }
        }
    }
    let codes: Vec<&str> = reference().iter().map(|e| e.code).collect();
    if let Some(components) = api.components.as_mut() {
        for schema in ["Problem", "Refusal"] {
            if let Some(RefOr::T(Schema::Object(obj))) = components.schemas.get_mut(schema)
                && let Some(RefOr::T(Schema::Object(code))) = obj.properties.get_mut("code")
            {
                code.enum_values = Some(codes.iter().map(|c| (*c).into()).collect());
            }
        }
    }
}

/// The codes an error response's description names: every comma-separated item, outside
/// parentheses, begins with one (`forbidden (another role, or ...), rate_limited`).
pub fn named_codes(description: &str) -> Vec<String> {
    let mut depth = 0usize;
    let mut outside = String::new();
    for ch in description.chars() {
        match ch {
            '(' => depth += 1,
            ')' => depth = depth.saturating_sub(1),
            c if depth == 0 => outside.push(c),
            _ => {}
        }
    }
    outside
        .split(',')
        .map(|item| {
            item.trim()
                .chars()
                .take_while(|c| c.is_ascii_lowercase() || *c == '_')
                .collect::<String>()
        })
        .filter(|code| !code.is_empty())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::named_codes;

    #[test]
    fn codes_are_read_outside_parentheses_before_any_prose() {
        assert_eq!(
            named_codes(
                "forbidden (another role, or a token), not_found: `since` is wrong, rate_limited"
            ),
            ["forbidden", "not_found", "rate_limited"]
        );
    }
}
