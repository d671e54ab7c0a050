//! utoipa spells a generic's argument out inline (`Page_CourseView.data.items` is a copy of
//! `CourseView`), so a client generator makes one-off item types. Here each instance of a generic
//! (`Outer_Arg`) refers to its argument's component instead.

use utoipa::openapi::schema::{ArrayItems, Schema};
use utoipa::openapi::{OpenApi, Ref, RefOr};

pub fn refer_to_arguments(api: &mut OpenApi) {
    let Some(components) = api.components.as_mut() else {
        return;
    };
    let instances: Vec<(String, String)> = components
        .schemas
        .keys()
        .filter_map(|name| {
            let (_, arg) = name.split_once('_')?;
            components
                .schemas
                .contains_key(arg)
                .then(|| (name.clone(), arg.to_string()))
        })
        .collect();
    for (instance, arg) in instances {
        let target = components.schemas[&arg].clone();
        if let Some(schema) = components.schemas.get_mut(&instance) {
            refer(schema, &target, &arg, true);
        }
    }
}

/// Replaces every copy of `target` under `schema` (not `schema` itself) with a `$ref` to `name`.
fn refer(schema: &mut RefOr<Schema>, target: &RefOr<Schema>, name: &str, root: bool) {
    if !root && schema == target {
        *schema = RefOr::Ref(Ref::from_schema_name(name));
        return;
    }
    let RefOr::T(schema) = schema else {
        return;
    };
    let children: Vec<&mut RefOr<Schema>> = match schema {
        Schema::Object(o) => o.properties.values_mut().collect(),
        Schema::Array(a) => match &mut a.items {
            ArrayItems::RefOrSchema(items) => vec![&mut **items],
            _ => Vec::new(),
        },
        Schema::OneOf(x) => x.items.iter_mut().collect(),
        Schema::AllOf(x) => x.items.iter_mut().collect(),
        Schema::AnyOf(x) => x.items.iter_mut().collect(),
        _ => Vec::new(),
    };
    for child in children {
        refer(child, target, name, false);
    }
}
