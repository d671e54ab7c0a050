//! Scopes and permissions: what a token of each role may be granted, and what each route needs.
//! A route names one [`Permission`]; the extractor checks its roles and its scope.

use crate::domain::Role;

/// The scopes a client of this role is granted (and may narrow when asking for a token).
pub fn granted(role: Role) -> &'static [&'static str] {
    match role {
        Role::Admin => &[
            "admin",
            "catalog:read",
            "vouchers:read",
            "disbursements:read",
        ],
        Role::Platform => &[
            "catalog:read",
            "cards:validate",
            "vouchers:write",
            "vouchers:read",
            "disbursements:read",
            "events:read",
            "webhooks",
        ],
        Role::Lpk => &[
            "catalog:read",
            "catalog:write",
            "vouchers:redeem",
            "vouchers:read",
            "completions:write",
            "disbursements:read",
            "events:read",
            "webhooks",
        ],
        Role::Participant => &["me"],
    }
}

/// What a route requires: one of these roles, and this scope in the token (if any).
pub trait Permission {
    const ROLES: &'static [Role];
    const SCOPE: Option<&'static str>;
}

macro_rules! permissions {
    ($($(#[$doc:meta])* $name:ident: [$($role:ident),+] $scope:expr;)+) => {$(
        $(#[$doc])*
        pub struct $name;
        impl Permission for $name {
            const ROLES: &'static [Role] = &[$(Role::$role),+];
            const SCOPE: Option<&'static str> = $scope;
        }
    )+};
}

permissions! {
    /// Read the catalog.
    ReadCatalog: [Admin, Platform, Lpk] Some("catalog:read");
    /// Submit courses and schedules.
    WriteCatalog: [Lpk] Some("catalog:write");
    /// Validate cards with an OTP.
    ValidateCards: [Platform] Some("cards:validate");
    /// Buy vouchers.
    BuyVouchers: [Platform] Some("vouchers:write");
    /// Read vouchers one sold, runs, or (admin) any.
    ReadVouchers: [Admin, Platform, Lpk] Some("vouchers:read");
    /// Redeem vouchers and report attendance.
    RedeemVouchers: [Lpk] Some("vouchers:redeem");
    /// Report completions and certificates.
    ReportCompletions: [Lpk] Some("completions:write");
    /// The holder's own dashboard.
    Me: [Participant] Some("me");
    /// Read the incentive payments of holders one served (admin: any).
    ReadDisbursements: [Admin, Platform, Lpk] Some("disbursements:read");
    /// Read one's own event feed.
    ReadEvents: [Platform, Lpk] Some("events:read");
    /// Register webhook endpoints, and see and repeat one's events' deliveries.
    ManageWebhooks: [Platform, Lpk] Some("webhooks");
    /// Program management.
    Manage: [Admin] Some("admin");
    /// Any partner or admin token (sandbox helpers).
    AnyPartner: [Admin, Platform, Lpk] None;
}
