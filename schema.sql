-- The whole schema of the MLOps hiring scorecard.
--
-- Applied at every start-up: every statement is idempotent (IF NOT EXISTS / ON CONFLICT DO NOTHING).
-- Impossible rows are refused here, by the database, not only by the code that writes them.
-- Dates are calendar dates; durations are derived (business days by scoring.stats.business_days).
-- Personal data: candidates.full_name, candidates.email, accounts.email; self_identification (special category).
-- Text lengths are capped in characters: keys 100, e-mails 254, names 200, notes and reasons 10,000
-- (scoring.agency.text.MAX_CHARS, which the import and the store enforce with clearer words; files made
-- before the caps keep their tables' old constraints).

CREATE SEQUENCE IF NOT EXISTS client_ids START 1;
CREATE SEQUENCE IF NOT EXISTS search_ids START 1;
CREATE SEQUENCE IF NOT EXISTS candidate_ids START 1;
CREATE SEQUENCE IF NOT EXISTS application_ids START 1;
CREATE SEQUENCE IF NOT EXISTS account_ids START 1;
CREATE SEQUENCE IF NOT EXISTS weight_version_ids START 2;    -- version 1 is the seeded default below
CREATE SEQUENCE IF NOT EXISTS scorecard_ids START 1;
CREATE SEQUENCE IF NOT EXISTS placement_ids START 1;
CREATE SEQUENCE IF NOT EXISTS replacement_ids START 1;
CREATE SEQUENCE IF NOT EXISTS audit_ids START 1;
CREATE SEQUENCE IF NOT EXISTS calibration_set_ids START 1;
CREATE SEQUENCE IF NOT EXISTS import_mapping_ids START 1;

-- Key/value facts about the database itself (schema version, demo "as of" date, seed).
CREATE TABLE IF NOT EXISTS metadata (
    key   VARCHAR PRIMARY KEY,
    value VARCHAR NOT NULL
);

CREATE TABLE IF NOT EXISTS clients (
    client_id   INTEGER PRIMARY KEY DEFAULT nextval('client_ids'),
    external_id VARCHAR NOT NULL UNIQUE CHECK (length(external_id) <= 100),
    name        VARCHAR NOT NULL CHECK (length(trim(name)) > 0 AND length(name) <= 200),
    -- ISO 3166-1 alpha-2 (scoring.agency.records.COUNTRY_CODES, from pycountry): the holiday calendar of its searches
    country     VARCHAR NOT NULL CHECK (country IN (
        'AD', 'AE', 'AF', 'AG', 'AI', 'AL', 'AM', 'AO', 'AQ', 'AR', 'AS', 'AT', 'AU', 'AW', 'AX', 'AZ', 'BA', 'BB', 'BD', 'BE',
        'BF', 'BG', 'BH', 'BI', 'BJ', 'BL', 'BM', 'BN', 'BO', 'BQ', 'BR', 'BS', 'BT', 'BV', 'BW', 'BY', 'BZ', 'CA', 'CC', 'CD',
        'CF', 'CG', 'CH', 'CI', 'CK', 'CL', 'CM', 'CN', 'CO', 'CR', 'CU', 'CV', 'CW', 'CX', 'CY', 'CZ', 'DE', 'DJ', 'DK', 'DM',
        'DO', 'DZ', 'EC', 'EE', 'EG', 'EH', 'ER', 'ES', 'ET', 'FI', 'FJ', 'FK', 'FM', 'FO', 'FR', 'GA', 'GB', 'GD', 'GE', 'GF',
        'GG', 'GH', 'GI', 'GL', 'GM', 'GN', 'GP', 'GQ', 'GR', 'GS', 'GT', 'GU', 'GW', 'GY', 'HK', 'HM', 'HN', 'HR', 'HT', 'HU',
        'ID', 'IE', 'IL', 'IM', 'IN', 'IO', 'IQ', 'IR', 'IS', 'IT', 'JE', 'JM', 'JO', 'JP', 'KE', 'KG', 'KH', 'KI', 'KM', 'KN',
        'KP', 'KR', 'KW', 'KY', 'KZ', 'LA', 'LB', 'LC', 'LI', 'LK', 'LR', 'LS', 'LT', 'LU', 'LV', 'LY', 'MA', 'MC', 'MD', 'ME',
        'MF', 'MG', 'MH', 'MK', 'ML', 'MM', 'MN', 'MO', 'MP', 'MQ', 'MR', 'MS', 'MT', 'MU', 'MV', 'MW', 'MX', 'MY', 'MZ', 'NA',
        'NC', 'NE', 'NF', 'NG', 'NI', 'NL', 'NO', 'NP', 'NR', 'NU', 'NZ', 'OM', 'PA', 'PE', 'PF', 'PG', 'PH', 'PK', 'PL', 'PM',
        'PN', 'PR', 'PS', 'PT', 'PW', 'PY', 'QA', 'RE', 'RO', 'RS', 'RU', 'RW', 'SA', 'SB', 'SC', 'SD', 'SE', 'SG', 'SH', 'SI',
        'SJ', 'SK', 'SL', 'SM', 'SN', 'SO', 'SR', 'SS', 'ST', 'SV', 'SX', 'SY', 'SZ', 'TC', 'TD', 'TF', 'TG', 'TH', 'TJ', 'TK',
        'TL', 'TM', 'TN', 'TO', 'TR', 'TT', 'TV', 'TW', 'TZ', 'UA', 'UG', 'UM', 'US', 'UY', 'UZ', 'VA', 'VC', 'VE', 'VG', 'VI',
        'VN', 'VU', 'WF', 'WS', 'YE', 'YT', 'ZA', 'ZM', 'ZW')),
    signed_on   DATE    NOT NULL,
    churned_on  DATE    CHECK (churned_on IS NULL OR churned_on >= signed_on)
);

CREATE TABLE IF NOT EXISTS searches (
    search_id              INTEGER PRIMARY KEY DEFAULT nextval('search_ids'),
    external_id            VARCHAR NOT NULL UNIQUE CHECK (length(external_id) <= 100),
    client_id              INTEGER NOT NULL REFERENCES clients (client_id),
    role_title             VARCHAR NOT NULL CHECK (length(trim(role_title)) > 0 AND length(role_title) <= 200),
    seniority              VARCHAR NOT NULL CHECK (seniority IN ('junior', 'mid', 'senior')),
    opened_on              DATE    NOT NULL,
    shortlist_delivered_on DATE    CHECK (shortlist_delivered_on IS NULL OR shortlist_delivered_on >= opened_on),
    closed_on              DATE    CHECK (closed_on IS NULL OR closed_on >= opened_on),
    status                 VARCHAR NOT NULL CHECK (status IN ('open', 'shortlisted', 'filled', 'cancelled')),
    CHECK (status <> 'open' OR closed_on IS NULL),
    CHECK (status NOT IN ('shortlisted', 'filled') OR shortlist_delivered_on IS NOT NULL),
    -- The hiring lead who owns the search (accounts.account_id; none for history without one). No
    -- REFERENCES: DuckDB refuses to add a column with a constraint to an existing table, and would refuse
    -- every later change of the lead of a search with applications (an update of a key column is a
    -- delete and insert there). scoring.store and the import check it names a hiring lead's account.
    lead_account_id        INTEGER
);
-- A database made before searches had leads gets the column (this changes nothing on a newer one).
ALTER TABLE searches ADD COLUMN IF NOT EXISTS lead_account_id INTEGER;

CREATE TABLE IF NOT EXISTS candidates (
    candidate_id INTEGER PRIMARY KEY DEFAULT nextval('candidate_ids'),
    external_id  VARCHAR NOT NULL UNIQUE CHECK (length(external_id) <= 100),
    full_name    VARCHAR NOT NULL CHECK (length(trim(full_name)) > 0 AND length(full_name) <= 200),   -- personal data
    email        VARCHAR NOT NULL UNIQUE CHECK (email LIKE '%_@_%' AND length(email) <= 254),    -- personal data
    -- ISO 3166-1 alpha-2, as for clients
    country      VARCHAR NOT NULL CHECK (country IN (
        'AD', 'AE', 'AF', 'AG', 'AI', 'AL', 'AM', 'AO', 'AQ', 'AR', 'AS', 'AT', 'AU', 'AW', 'AX', 'AZ', 'BA', 'BB', 'BD', 'BE',
        'BF', 'BG', 'BH', 'BI', 'BJ', 'BL', 'BM', 'BN', 'BO', 'BQ', 'BR', 'BS', 'BT', 'BV', 'BW', 'BY', 'BZ', 'CA', 'CC', 'CD',
        'CF', 'CG', 'CH', 'CI', 'CK', 'CL', 'CM', 'CN', 'CO', 'CR', 'CU', 'CV', 'CW', 'CX', 'CY', 'CZ', 'DE', 'DJ', 'DK', 'DM',
        'DO', 'DZ', 'EC', 'EE', 'EG', 'EH', 'ER', 'ES', 'ET', 'FI', 'FJ', 'FK', 'FM', 'FO', 'FR', 'GA', 'GB', 'GD', 'GE', 'GF',
        'GG', 'GH', 'GI', 'GL', 'GM', 'GN', 'GP', 'GQ', 'GR', 'GS', 'GT', 'GU', 'GW', 'GY', 'HK', 'HM', 'HN', 'HR', 'HT', 'HU',
        'ID', 'IE', 'IL', 'IM', 'IN', 'IO', 'IQ', 'IR', 'IS', 'IT', 'JE', 'JM', 'JO', 'JP', 'KE', 'KG', 'KH', 'KI', 'KM', 'KN',
        'KP', 'KR', 'KW', 'KY', 'KZ', 'LA', 'LB', 'LC', 'LI', 'LK', 'LR', 'LS', 'LT', 'LU', 'LV', 'LY', 'MA', 'MC', 'MD', 'ME',
        'MF', 'MG', 'MH', 'MK', 'ML', 'MM', 'MN', 'MO', 'MP', 'MQ', 'MR', 'MS', 'MT', 'MU', 'MV', 'MW', 'MX', 'MY', 'MZ', 'NA',
        'NC', 'NE', 'NF', 'NG', 'NI', 'NL', 'NO', 'NP', 'NR', 'NU', 'NZ', 'OM', 'PA', 'PE', 'PF', 'PG', 'PH', 'PK', 'PL', 'PM',
        'PN', 'PR', 'PS', 'PT', 'PW', 'PY', 'QA', 'RE', 'RO', 'RS', 'RU', 'RW', 'SA', 'SB', 'SC', 'SD', 'SE', 'SG', 'SH', 'SI',
        'SJ', 'SK', 'SL', 'SM', 'SN', 'SO', 'SR', 'SS', 'ST', 'SV', 'SX', 'SY', 'SZ', 'TC', 'TD', 'TF', 'TG', 'TH', 'TJ', 'TK',
        'TL', 'TM', 'TN', 'TO', 'TR', 'TT', 'TV', 'TW', 'TZ', 'UA', 'UG', 'UM', 'US', 'UY', 'UZ', 'VA', 'VC', 'VE', 'VG', 'VI',
        'VN', 'VU', 'WF', 'WS', 'YE', 'YT', 'ZA', 'ZM', 'ZW')),
    seniority    VARCHAR NOT NULL CHECK (seniority IN ('junior', 'mid', 'senior')),
    sourced_on   DATE    NOT NULL
);

CREATE TABLE IF NOT EXISTS applications (
    application_id INTEGER PRIMARY KEY DEFAULT nextval('application_ids'),
    external_id    VARCHAR NOT NULL UNIQUE CHECK (length(external_id) <= 100),
    candidate_id   INTEGER NOT NULL REFERENCES candidates (candidate_id),
    search_id      INTEGER NOT NULL REFERENCES searches (search_id),
    applied_on     DATE    NOT NULL,
    UNIQUE (candidate_id, search_id)
);

-- The four vetting stages, fixed by the agency's process.
CREATE TABLE IF NOT EXISTS stages (
    stage_id  TINYINT PRIMARY KEY CHECK (stage_id BETWEEN 1 AND 4),
    code      VARCHAR NOT NULL UNIQUE,
    name      VARCHAR NOT NULL,
    is_scored BOOLEAN NOT NULL            -- reviewers fill a five-dimension scorecard at this stage
);
INSERT INTO stages VALUES
    (1, 'tooling_audit', 'Pipeline and tooling audit', false),
    (2, 'incident_interview', 'Production incident interview', true),
    (3, 'take_home', 'Take-home assessment', true),
    (4, 'client_shortlist', 'Client shortlist', false)
ON CONFLICT DO NOTHING;

-- One row per application and stage it entered. Open while decision IS NULL.
-- At stage 4 'pass' means the client accepted the candidate.
CREATE TABLE IF NOT EXISTS stage_decisions (
    application_id INTEGER NOT NULL REFERENCES applications (application_id),
    stage_id       TINYINT NOT NULL REFERENCES stages (stage_id),
    entered_on     DATE    NOT NULL,
    decided_on     DATE,
    decision       VARCHAR CHECK (decision IN ('pass', 'fail')),
    PRIMARY KEY (application_id, stage_id),
    CHECK (decided_on IS NULL OR decided_on >= entered_on),
    CHECK ((decision IS NULL) = (decided_on IS NULL))
);

CREATE TABLE IF NOT EXISTS accounts (
    account_id      INTEGER PRIMARY KEY DEFAULT nextval('account_ids'),
    email           VARCHAR NOT NULL UNIQUE CHECK (email LIKE '%_@_%' AND length(email) <= 254),   -- personal data
    display_name    VARCHAR NOT NULL CHECK (length(trim(display_name)) > 0 AND length(display_name) <= 200),
    role            VARCHAR NOT NULL CHECK (role IN ('reviewer', 'hiring_lead', 'ops', 'auditor', 'admin')),
    password_hash   VARCHAR,                      -- argon2id; NULL for accounts that sign in through OIDC only
    active          BOOLEAN NOT NULL DEFAULT true,
    created_at      TIMESTAMP NOT NULL DEFAULT current_timestamp,
    -- Moves on at every sign-out, deactivation, role change and new password. A session carries the
    -- version it signed in with, and the store refuses it once they differ (scoring.store.authorization).
    session_version INTEGER NOT NULL DEFAULT 0 CHECK (session_version >= 0)
);
-- A database made before sessions had versions gets the column (this changes nothing on a newer one).
-- It keeps its accounts.failed_logins and locked_until, unused since sign_in_attempts below took over:
-- DuckDB cannot drop a column of a table that others refer to.
ALTER TABLE accounts ADD COLUMN IF NOT EXISTS session_version INTEGER DEFAULT 0;

-- Sign-in attempts, counted per email as typed (NFC, trimmed, lower-case), whether or not an account
-- has that email, so that unknown emails lock exactly as real ones do. An attempt takes a slot in one
-- statement before its password is checked; the fifth slot locks the email until locked_until, and a
-- successful sign-in deletes the row (scoring.store.accounts.authenticate). 5 is MAX_FAILED_LOGINS there.
CREATE TABLE IF NOT EXISTS sign_in_attempts (
    email        VARCHAR PRIMARY KEY,
    failed       INTEGER NOT NULL CHECK (failed BETWEEN 1 AND 5),   -- slots taken since the last success
    locked_until TIMESTAMP,
    attempt      VARCHAR NOT NULL,      -- the attempt that took the latest slot: how an attempt knows it did
    CHECK ((locked_until IS NOT NULL) = (failed = 5))
);

-- Signed-in browsers (scoring.store.sessions). The browser keeps a random token in a cookie; only its
-- SHA-256 is stored, so nothing here signs anyone in. A session lasts until expires_at (SESSION_LIFETIME
-- there: 10 hours, a working day) unless revoked first by a sign-out, a new password, deactivation or a
-- role change, and ends as well once the account's session_version moves past the one it carries.
-- Times in UTC.
CREATE TABLE IF NOT EXISTS sessions (
    token_sha256    VARCHAR PRIMARY KEY CHECK (length(token_sha256) = 64),
    account_id      INTEGER NOT NULL REFERENCES accounts (account_id),
    session_version INTEGER NOT NULL CHECK (session_version >= 0),   -- the account's at sign-in
    created_at      TIMESTAMP NOT NULL,
    expires_at      TIMESTAMP NOT NULL,
    revoked_at      TIMESTAMP,
    CHECK (expires_at > created_at)
);

-- Which reviewer scores which application at which stage, and by when.
CREATE TABLE IF NOT EXISTS assignments (
    application_id INTEGER NOT NULL REFERENCES applications (application_id),
    stage_id       TINYINT NOT NULL REFERENCES stages (stage_id),
    reviewer_id    INTEGER NOT NULL REFERENCES accounts (account_id),
    assigned_on    DATE    NOT NULL,
    due_on         DATE    NOT NULL CHECK (due_on >= assigned_on),
    PRIMARY KEY (application_id, stage_id, reviewer_id)
);

CREATE TABLE IF NOT EXISTS dimensions (
    dimension_id TINYINT PRIMARY KEY CHECK (dimension_id BETWEEN 1 AND 5),
    code         VARCHAR NOT NULL UNIQUE,
    name         VARCHAR NOT NULL,
    scope        VARCHAR NOT NULL
);
INSERT INTO dimensions VALUES
    (1, 'infrastructure', 'Infrastructure', 'Containers, Kubernetes, GPU scheduling, autoscaling, cloud ML platforms'),
    (2, 'deployment', 'Model Deployment', 'Serving frameworks, batching, versioning, A/B and canary, rollback'),
    (3, 'monitoring', 'Monitoring', 'Data and concept drift, model quality vs operational metrics, thresholds, alerting'),
    (4, 'automation', 'Automation', 'CI/CD with ML-aware gates, parameterised pipelines, retraining workflows'),
    (5, 'governance', 'Governance', 'Reproducibility, data versioning, model registry, audit trails')
ON CONFLICT DO NOTHING;

-- Weights are versioned: a new version applies from its effective date; old versions are never rewritten.
CREATE TABLE IF NOT EXISTS weight_versions (
    version_id     INTEGER PRIMARY KEY DEFAULT nextval('weight_version_ids'),
    effective_from DATE    NOT NULL UNIQUE,
    created_by     INTEGER REFERENCES accounts (account_id),
    created_at     TIMESTAMP NOT NULL DEFAULT current_timestamp,
    note           VARCHAR NOT NULL DEFAULT '' CHECK (length(note) <= 10000)
);

CREATE TABLE IF NOT EXISTS dimension_weights (
    version_id   INTEGER NOT NULL REFERENCES weight_versions (version_id),
    dimension_id TINYINT NOT NULL REFERENCES dimensions (dimension_id),
    weight_pct   DECIMAL(5, 2) NOT NULL CHECK (weight_pct >= 0 AND weight_pct <= 100),   -- percent
    PRIMARY KEY (version_id, dimension_id)
);
-- Every database starts with the seed's default weights (25/25/20/20/10) as version 1, in force from
-- the earliest date any fact may carry (scoring.agency.scorecard.EARLIEST_DATE), so every score has a version.
INSERT INTO weight_versions (version_id, effective_from, created_by, note) VALUES
    (1, DATE '1900-01-01', NULL, 'Default weights of the agency''s scorecard')
ON CONFLICT DO NOTHING;
INSERT INTO dimension_weights VALUES (1, 1, 25), (1, 2, 25), (1, 3, 20), (1, 4, 20), (1, 5, 10)
ON CONFLICT DO NOTHING;

-- A reviewer's scorecard for one application at one stage. An amendment is a new row with the next
-- revision; the one it replaces is kept with status 'superseded'.
CREATE TABLE IF NOT EXISTS scorecards (
    scorecard_id   INTEGER PRIMARY KEY DEFAULT nextval('scorecard_ids'),
    application_id INTEGER NOT NULL REFERENCES applications (application_id),
    stage_id       TINYINT NOT NULL REFERENCES stages (stage_id) CHECK (stage_id IN (2, 3)),
    reviewer_id    INTEGER NOT NULL REFERENCES accounts (account_id),
    revision       INTEGER NOT NULL DEFAULT 1 CHECK (revision >= 1),
    status         VARCHAR NOT NULL CHECK (status IN ('draft', 'submitted', 'superseded')),
    created_at     TIMESTAMP NOT NULL,
    submitted_at   TIMESTAMP CHECK (submitted_at IS NULL OR submitted_at >= created_at),
    amendment_reason VARCHAR CHECK (length(amendment_reason) <= 10000),
    UNIQUE (application_id, stage_id, reviewer_id, revision),
    -- "an amendment (revision > 1) has a reason" is enforced by scoring.store.scorecards.amend:
    -- a CHECK naming the unique key's column would make DuckDB turn every status update into a
    -- delete and insert, which the scores' foreign key refuses.
    CHECK ((status = 'draft') = (submitted_at IS NULL))
);

-- One row per scorecard and dimension: a rating, an integer from 1 to 5 against the anchored rubric,
-- or, when the reviewer could not judge the dimension, no rating and the reason it was not assessed
-- (exactly one of the two). A not-assessed dimension is missing to every statistic: current_scores
-- leaves it out.
CREATE TABLE IF NOT EXISTS scores (
    scorecard_id        INTEGER NOT NULL REFERENCES scorecards (scorecard_id),
    dimension_id        TINYINT NOT NULL REFERENCES dimensions (dimension_id),
    rating              TINYINT CHECK (rating BETWEEN 1 AND 5),           -- NULL when not assessed
    note                VARCHAR NOT NULL DEFAULT '' CHECK (length(note) <= 10000),
    not_assessed_reason VARCHAR CHECK (length(trim(not_assessed_reason)) > 0 AND length(not_assessed_reason) <= 10000),
    PRIMARY KEY (scorecard_id, dimension_id),
    CHECK ((rating IS NULL) <> (not_assessed_reason IS NULL))
);

CREATE TABLE IF NOT EXISTS tools (
    tool_id  SMALLINT PRIMARY KEY,
    name     VARCHAR NOT NULL UNIQUE,
    category VARCHAR NOT NULL CHECK (category IN ('orchestration', 'experiment_tracking', 'serving',
        'monitoring', 'feature_store', 'data_versioning', 'ci_cd', 'cloud_ml'))
);
INSERT INTO tools VALUES
    (1, 'Kubeflow', 'orchestration'), (2, 'Airflow', 'orchestration'),
    (3, 'Prefect', 'orchestration'), (4, 'Dagster', 'orchestration'),
    (5, 'MLflow', 'experiment_tracking'), (6, 'Weights & Biases', 'experiment_tracking'),
    (7, 'Neptune', 'experiment_tracking'),
    (8, 'Triton', 'serving'), (9, 'BentoML', 'serving'), (10, 'Seldon', 'serving'),
    (11, 'TorchServe', 'serving'), (12, 'TensorFlow Serving', 'serving'), (13, 'KServe', 'serving'),
    (14, 'Evidently', 'monitoring'), (15, 'Arize', 'monitoring'), (16, 'WhyLabs', 'monitoring'),
    (17, 'Fiddler', 'monitoring'),
    (18, 'Feast', 'feature_store'), (19, 'Tecton', 'feature_store'), (20, 'Hopsworks', 'feature_store'),
    (21, 'Databricks Feature Store', 'feature_store'),
    (22, 'DVC', 'data_versioning'), (23, 'LakeFS', 'data_versioning'),
    (24, 'GitHub Actions', 'ci_cd'), (25, 'Jenkins', 'ci_cd'), (26, 'GitLab CI', 'ci_cd'),
    (27, 'SageMaker', 'cloud_ml'), (28, 'Vertex AI', 'cloud_ml'), (29, 'Azure ML', 'cloud_ml')
ON CONFLICT DO NOTHING;

-- Stage-1 evidence: a candidate's claimed experience with a tool, and whether it was verified.
CREATE TABLE IF NOT EXISTS tooling_evidence (
    candidate_id INTEGER NOT NULL REFERENCES candidates (candidate_id),
    tool_id      SMALLINT NOT NULL REFERENCES tools (tool_id),
    verified     BOOLEAN NOT NULL,
    evidence     VARCHAR NOT NULL DEFAULT '' CHECK (length(evidence) <= 10000),
    checked_by   INTEGER REFERENCES accounts (account_id),
    checked_on   DATE NOT NULL,
    PRIMARY KEY (candidate_id, tool_id)
);

CREATE TABLE IF NOT EXISTS placements (
    placement_id    INTEGER PRIMARY KEY DEFAULT nextval('placement_ids'),
    external_id     VARCHAR NOT NULL UNIQUE CHECK (length(external_id) <= 100),
    application_id  INTEGER NOT NULL UNIQUE REFERENCES applications (application_id),
    weekly_rate_usd DECIMAL(8, 2) NOT NULL CHECK (weekly_rate_usd > 0),   -- USD per week
    accepted_on     DATE NOT NULL,
    first_day       DATE NOT NULL CHECK (first_day >= accepted_on),
    ended_on        DATE CHECK (ended_on IS NULL OR ended_on >= first_day),
    end_reason      VARCHAR CHECK (end_reason IN ('not_a_fit', 'client_churned', 'completed', 'engineer_left')),
    CHECK ((ended_on IS NULL) = (end_reason IS NULL))
);

-- The zero-cost replacement guarantee: a placement that is not a fit is replaced within 7-14 days.
CREATE TABLE IF NOT EXISTS replacements (
    replacement_id         INTEGER PRIMARY KEY DEFAULT nextval('replacement_ids'),
    external_id            VARCHAR NOT NULL UNIQUE CHECK (length(external_id) <= 100),
    placement_id           INTEGER NOT NULL UNIQUE REFERENCES placements (placement_id),
    requested_on           DATE NOT NULL,
    fulfilled_on           DATE CHECK (fulfilled_on IS NULL OR fulfilled_on >= requested_on),
    replacing_placement_id INTEGER UNIQUE REFERENCES placements (placement_id),
    cost_usd               DECIMAL(10, 2) NOT NULL DEFAULT 0 CHECK (cost_usd >= 0),   -- charged to the client
    cost_reason            VARCHAR CHECK (length(cost_reason) <= 10000),
    CHECK (replacing_placement_id IS NULL OR replacing_placement_id <> placement_id),
    CHECK ((fulfilled_on IS NULL) = (replacing_placement_id IS NULL)),
    CHECK (cost_usd = 0 OR cost_reason IS NOT NULL)
);

-- A hiring lead's adjudicated decision on an application; reviewers' scores stay as they were.
CREATE TABLE IF NOT EXISTS final_decisions (
    application_id INTEGER PRIMARY KEY REFERENCES applications (application_id),
    decision       VARCHAR NOT NULL CHECK (decision IN ('advance', 'reject', 'hold')),
    reason         VARCHAR NOT NULL CHECK (length(trim(reason)) > 0 AND length(reason) <= 10000),
    decided_by     INTEGER NOT NULL REFERENCES accounts (account_id),
    decided_at     TIMESTAMP NOT NULL
);

-- Calibration exercises: reference applications scored by every reviewer.
CREATE TABLE IF NOT EXISTS calibration_sets (
    set_id     INTEGER PRIMARY KEY DEFAULT nextval('calibration_set_ids'),
    name       VARCHAR NOT NULL UNIQUE CHECK (length(trim(name)) > 0 AND length(name) <= 200),
    created_by INTEGER NOT NULL REFERENCES accounts (account_id),
    created_at TIMESTAMP NOT NULL
);

CREATE TABLE IF NOT EXISTS calibration_items (
    set_id         INTEGER NOT NULL REFERENCES calibration_sets (set_id),
    application_id INTEGER NOT NULL REFERENCES applications (application_id),
    stage_id       TINYINT NOT NULL REFERENCES stages (stage_id) CHECK (stage_id IN (2, 3)),
    PRIMARY KEY (set_id, application_id, stage_id)
);

-- Expert reference ratings of an exercise's items (scoring.store.certification): per item and dimension the
-- rating an expert gives against the anchored rubric, or none when the item gave no evidence on the dimension
-- (then not_assessed_reason says why; exactly one of the two). Entered by whoever manages calibration; each
-- reviewer's accuracy against them (weighted kappa, mean absolute difference) is what certification reads.
CREATE TABLE IF NOT EXISTS calibration_references (
    set_id              INTEGER  NOT NULL,
    application_id      INTEGER  NOT NULL,
    stage_id            TINYINT  NOT NULL CHECK (stage_id IN (2, 3)),
    dimension_id        TINYINT  NOT NULL REFERENCES dimensions (dimension_id),
    rating              TINYINT  CHECK (rating BETWEEN 1 AND 5),          -- NULL when not assessed
    not_assessed_reason VARCHAR  CHECK (length(trim(not_assessed_reason)) > 0 AND length(not_assessed_reason) <= 10000),
    entered_by          INTEGER  NOT NULL REFERENCES accounts (account_id),
    entered_at          TIMESTAMP NOT NULL,
    PRIMARY KEY (set_id, application_id, stage_id, dimension_id),
    FOREIGN KEY (set_id, application_id, stage_id) REFERENCES calibration_items (set_id, application_id, stage_id),
    CHECK ((rating IS NULL) <> (not_assessed_reason IS NULL))
);

-- The accuracy a reviewer must show against reference ratings before scoring live candidates: at most one row
-- (no row: not required). A reviewer passes with a quadratic-weighted kappa of at least min_kappa and a mean
-- absolute difference of at most max_mad rating points over one exercise's references (scoring.agency.certification).
-- Changed by an admin with an audit entry.
CREATE TABLE IF NOT EXISTS certification_bar (
    bar_id    TINYINT      PRIMARY KEY CHECK (bar_id = 1),
    min_kappa DECIMAL(4, 3) NOT NULL CHECK (min_kappa > -1 AND min_kappa <= 1),
    max_mad   DECIMAL(4, 3) NOT NULL CHECK (max_mad >= 0 AND max_mad <= 4),   -- rating points
    set_by    INTEGER      NOT NULL REFERENCES accounts (account_id),
    set_at    TIMESTAMP    NOT NULL
);

-- Append-only: the data layer has no UPDATE or DELETE for this table.
CREATE TABLE IF NOT EXISTS audit_log (
    audit_id   BIGINT PRIMARY KEY DEFAULT nextval('audit_ids'),
    logged_at  TIMESTAMP NOT NULL DEFAULT current_timestamp,
    actor_id   INTEGER REFERENCES accounts (account_id),   -- NULL for the system (imports, demo build)
    action     VARCHAR NOT NULL,
    entity     VARCHAR NOT NULL,
    entity_key VARCHAR NOT NULL,
    before     JSON,
    after      JSON
);

-- The daily digest (scorecard digest): one row per digest date, channel and recipient, so that no
-- digest goes twice to the same place for the same date (scoring.store.digests). A row is written,
-- with sent_at empty, before the digest goes out, and sent_at is filled once the server accepted it:
-- a run stopped between the two leaves the row unconfirmed, and no later run sends that digest again
-- (the next day's digest repeats what it held instead, since its breaches count from the last
-- confirmed digest). recipient is the account's e-mail address as it was sent to (personal data), or
-- 'webhook' for the chat channel's incoming hook (its address is a secret and is never stored).
CREATE TABLE IF NOT EXISTS digests_sent (
    digest_date DATE      NOT NULL,          -- the as-of date the digest was composed for
    channel     VARCHAR   NOT NULL CHECK (channel IN ('email', 'webhook')),
    recipient   VARCHAR   NOT NULL CHECK (length(trim(recipient)) > 0 AND length(recipient) <= 254),
    account_id  INTEGER   REFERENCES accounts (account_id),     -- NULL for the webhook
    covers_from DATE      NOT NULL CHECK (covers_from <= digest_date),   -- breaches counted after this day
    claimed_at  TIMESTAMP NOT NULL,          -- UTC, when the run took the row before sending
    sent_at     TIMESTAMP CHECK (sent_at IS NULL OR sent_at >= claimed_at),   -- UTC; NULL: unconfirmed
    PRIMARY KEY (digest_date, channel, recipient),
    CHECK ((channel = 'webhook') = (account_id IS NULL))
);

-- Voluntary self-identification (scoring.domain.self_identification: EEO-1 categories, each with
-- 'prefer_not_to_say'): at most one row per candidate, none for a candidate who gave no answer. Personal
-- data of a special category, kept apart from every table a score reads: only scoring.store.self_identification
-- reads it, for auditors and admins, and no score, view or other read joins it.
CREATE TABLE IF NOT EXISTS self_identification (
    candidate_id   INTEGER NOT NULL PRIMARY KEY REFERENCES candidates (candidate_id),
    sex            VARCHAR NOT NULL CHECK (sex IN ('female', 'male', 'prefer_not_to_say')),
    race_ethnicity VARCHAR NOT NULL CHECK (race_ethnicity IN ('hispanic_latino', 'white', 'black', 'pacific_islander',
                                                              'asian', 'american_indian', 'two_or_more',
                                                              'prefer_not_to_say')),
    recorded_on    DATE    NOT NULL
);

-- Import mappings an admin saved on the Import page for the next import of the same export
-- (scoring.store.import_mappings; docs/import-mapping.md): the TOML text as saved, which
-- scoring.importing.mapping reads without a fault before it is stored. Saving, updating and deleting one
-- are audited, the text included.
CREATE TABLE IF NOT EXISTS import_mappings (
    mapping_id INTEGER   PRIMARY KEY DEFAULT nextval('import_mapping_ids'),
    name       VARCHAR   NOT NULL UNIQUE CHECK (length(trim(name)) > 0 AND length(name) <= 200),
    mapping    VARCHAR   NOT NULL CHECK (length(trim(mapping)) > 0 AND length(mapping) <= 100000),   -- TOML
    saved_by   INTEGER   NOT NULL REFERENCES accounts (account_id),
    saved_at   TIMESTAMP NOT NULL          -- UTC, the last save
);

-- Submitted, current ratings: the rows every statistic reads. Dimensions marked not assessed are
-- left out, so agreement, severity and scores see them as missing, never as a rating.
CREATE OR REPLACE VIEW current_scores AS
SELECT sc.scorecard_id, sc.application_id, sc.stage_id, sc.reviewer_id, sc.submitted_at,
       s.dimension_id, s.rating, s.note
FROM scorecards AS sc
JOIN scores AS s USING (scorecard_id)
WHERE sc.status = 'submitted' AND s.rating IS NOT NULL;

-- What an application hangs off: its candidate, its search and the search's client, with the
-- references a person looks them up by. Only columns no audit date cuts (ids never change; names
-- and references are read as stored), so a read as of a date joins it to its known_<table> rows
-- (scoring.store.as_of) as safely as a read of today joins it to the tables.
CREATE OR REPLACE VIEW application_refs AS
SELECT a.application_id, a.external_id AS application_ref, a.candidate_id, cand.external_id AS candidate_ref,
       a.search_id, s.external_id AS search_ref, s.client_id, c.external_id AS client_ref, c.name AS client
FROM applications AS a
JOIN candidates AS cand ON cand.candidate_id = a.candidate_id
JOIN searches AS s ON s.search_id = a.search_id
JOIN clients AS c ON c.client_id = s.client_id;

-- The same for a placement: placements -> applications -> searches -> clients, written once.
CREATE OR REPLACE VIEW placement_refs AS
SELECT p.placement_id, p.external_id AS placement_ref, r.application_id, r.application_ref, r.candidate_id,
       r.candidate_ref, r.search_id, r.search_ref, r.client_id, r.client_ref, r.client
FROM placements AS p
JOIN application_refs AS r ON r.application_id = p.application_id;
