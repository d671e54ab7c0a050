DROP TABLE webhook_deliveries;
DROP TABLE webhook_endpoints;
DROP TABLE sandbox_payouts;
DROP TABLE disbursement_history;
DROP TABLE disbursements;
DROP TABLE holidays;
DROP TABLE incentive_schemes;
