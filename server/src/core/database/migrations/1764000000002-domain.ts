import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The source-neutral domain the pipeline projects raw events into (DESIGN §2.4), and the experiments built
 * from it. Natural keys are the deterministic ids: the same raw events give the same rows. Every row keeps
 * `raw_event_id`, the raw delivery that last set it (its lineage). `source_updated_at` is the source time of
 * the version stored: an older event never overwrites a newer one.
 */
export class Domain1764000000002 implements MigrationInterface {
  name = 'Domain1764000000002';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE raw_events ADD COLUMN next_attempt_at timestamptz`);
    await q.query(`ALTER TABLE raw_events DROP CONSTRAINT raw_events_status_check`);
    await q.query(`ALTER TABLE raw_events ADD CONSTRAINT raw_events_status_check CHECK (status IN ('pending', 'ignored', 'processed', 'dropped', 'failed'))`);
    await q.query(`DROP INDEX raw_events_pending_idx`);
    await q.query(`CREATE INDEX raw_events_pending_idx ON raw_events (org_id, id) WHERE status = 'pending'`);

    await q.query(`
      CREATE TABLE identities (
        org_id uuid NOT NULL,
        source text NOT NULL,
        external_id text NOT NULL,
        login text,
        email text,
        name text,
        is_bot boolean NOT NULL DEFAULT false,
        CONSTRAINT identities_pkey PRIMARY KEY (org_id, source, external_id)
      )`);
    await q.query(`
      CREATE TABLE work_items (
        org_id uuid NOT NULL,
        source text NOT NULL,
        key text NOT NULL,
        project_key text NOT NULL,
        title text NOT NULL,
        url text,
        labels text[] NOT NULL DEFAULT '{}',
        status text NOT NULL,
        status_category text NOT NULL,
        is_insight boolean NOT NULL DEFAULT false,
        team text,
        created_at timestamptz NOT NULL,
        creator_id text,
        assignee_id text,
        source_updated_at timestamptz NOT NULL,
        raw_event_id bigint NOT NULL,
        CONSTRAINT work_items_pkey PRIMARY KEY (org_id, source, key)
      )`);
    await q.query(`
      CREATE TABLE work_item_transitions (
        org_id uuid NOT NULL,
        source text NOT NULL,
        key text NOT NULL,
        at timestamptz NOT NULL,
        to_status text NOT NULL,
        from_status text,
        to_category text NOT NULL,
        raw_event_id bigint NOT NULL,
        CONSTRAINT work_item_transitions_pkey PRIMARY KEY (org_id, source, key, at, to_status)
      )`);
    await q.query(`
      CREATE TABLE branches (
        org_id uuid NOT NULL,
        source text NOT NULL,
        repo text NOT NULL,
        name text NOT NULL,
        created_at timestamptz,
        created_at_is_receipt boolean NOT NULL DEFAULT false,
        first_seen_at timestamptz NOT NULL,
        deleted_at timestamptz,
        head_sha text,
        head_at timestamptz,
        source_updated_at timestamptz NOT NULL,
        raw_event_id bigint NOT NULL,
        CONSTRAINT branches_pkey PRIMARY KEY (org_id, source, repo, name)
      )`);
    await q.query(`
      CREATE TABLE pull_requests (
        org_id uuid NOT NULL,
        source text NOT NULL,
        repo text NOT NULL,
        number integer NOT NULL,
        title text NOT NULL,
        body text NOT NULL,
        url text,
        author_id text,
        author_login text,
        author_is_bot boolean NOT NULL DEFAULT false,
        state text NOT NULL,
        draft boolean NOT NULL,
        head_ref text NOT NULL,
        head_sha text,
        base_ref text NOT NULL,
        labels text[] NOT NULL DEFAULT '{}',
        opened_at timestamptz NOT NULL,
        ready_at timestamptz,
        merged_at timestamptz,
        closed_at timestamptz,
        additions integer,
        deletions integer,
        changed_files integer,
        source_updated_at timestamptz NOT NULL,
        raw_event_id bigint NOT NULL,
        CONSTRAINT pull_requests_pkey PRIMARY KEY (org_id, source, repo, number),
        CONSTRAINT pull_requests_state_check CHECK (state IN ('open', 'closed', 'merged'))
      )`);
    await q.query(`
      CREATE TABLE commits (
        org_id uuid NOT NULL,
        source text NOT NULL,
        repo text NOT NULL,
        sha text NOT NULL,
        message text NOT NULL,
        branch text,
        authored_at timestamptz NOT NULL,
        author_id text,
        author_login text,
        author_email text,
        url text,
        raw_event_id bigint NOT NULL,
        CONSTRAINT commits_pkey PRIMARY KEY (org_id, source, repo, sha)
      )`);
    await q.query(`
      CREATE TABLE reviews (
        org_id uuid NOT NULL,
        source text NOT NULL,
        repo text NOT NULL,
        pr_number integer NOT NULL,
        review_id text NOT NULL,
        reviewer_id text,
        state text NOT NULL,
        submitted_at timestamptz NOT NULL,
        raw_event_id bigint NOT NULL,
        CONSTRAINT reviews_pkey PRIMARY KEY (org_id, source, repo, pr_number, review_id)
      )`);
    await q.query(`
      CREATE TABLE ci_runs (
        org_id uuid NOT NULL,
        source text NOT NULL,
        repo text NOT NULL,
        run_kind text NOT NULL,
        external_id text NOT NULL,
        name text NOT NULL,
        head_sha text NOT NULL,
        head_branch text,
        status text NOT NULL,
        conclusion text,
        started_at timestamptz,
        completed_at timestamptz,
        pr_numbers integer[] NOT NULL DEFAULT '{}',
        url text,
        source_updated_at timestamptz NOT NULL,
        raw_event_id bigint NOT NULL,
        CONSTRAINT ci_runs_pkey PRIMARY KEY (org_id, source, repo, run_kind, external_id)
      )`);
    await q.query(`CREATE INDEX ci_runs_sha_idx ON ci_runs (org_id, head_sha)`);
    await q.query(`
      CREATE TABLE deployments (
        org_id uuid NOT NULL,
        source text NOT NULL,
        external_id text NOT NULL,
        repo text,
        environment text NOT NULL,
        environment_kind text NOT NULL,
        sha text,
        ref text,
        status text NOT NULL,
        created_at timestamptz NOT NULL,
        succeeded_at timestamptz,
        failed_at timestamptz,
        url text,
        source_updated_at timestamptz NOT NULL,
        raw_event_id bigint NOT NULL,
        CONSTRAINT deployments_pkey PRIMARY KEY (org_id, source, external_id),
        CONSTRAINT deployments_kind_check CHECK (environment_kind IN ('preview', 'staging', 'production', 'other'))
      )`);
    await q.query(`CREATE INDEX deployments_sha_idx ON deployments (org_id, sha)`);
    await q.query(`
      CREATE TABLE incidents (
        org_id uuid NOT NULL,
        source text NOT NULL,
        external_id text NOT NULL,
        title text NOT NULL,
        status text NOT NULL,
        opened_at timestamptz NOT NULL,
        resolved_at timestamptz,
        deployment_external_id text,
        sha text,
        source_updated_at timestamptz NOT NULL,
        raw_event_id bigint NOT NULL,
        CONSTRAINT incidents_pkey PRIMARY KEY (org_id, source, external_id)
      )`);
    // Signals sent through the generic events API.
    await q.query(`
      CREATE TABLE work_signals (
        org_id uuid NOT NULL,
        external_id text NOT NULL,
        signal text NOT NULL,
        work_item_key text,
        pull_request_url text,
        kind text,
        at timestamptz NOT NULL,
        url text,
        raw_event_id bigint NOT NULL,
        CONSTRAINT work_signals_pkey PRIMARY KEY (org_id, external_id),
        CONSTRAINT work_signals_signal_check CHECK (signal IN ('work_started', 'evidence', 'decision'))
      )`);
    await q.query(`
      CREATE TABLE links (
        org_id uuid NOT NULL,
        work_item_source text NOT NULL,
        work_item_key text NOT NULL,
        target_type text NOT NULL,
        target_key text NOT NULL,
        found_in text NOT NULL,
        match text NOT NULL,
        confidence real NOT NULL,
        closing boolean NOT NULL,
        raw_event_id bigint NOT NULL,
        CONSTRAINT links_pkey PRIMARY KEY (org_id, work_item_source, work_item_key, target_type, target_key, found_in),
        CONSTRAINT links_target_type_check CHECK (target_type IN ('branch', 'pull_request', 'commit'))
      )`);
    await q.query(`CREATE INDEX links_target_idx ON links (org_id, target_type, target_key)`);
    await q.query(`
      CREATE TABLE experiments (
        org_id uuid NOT NULL,
        id uuid NOT NULL,
        work_item_source text NOT NULL,
        work_item_key text NOT NULL,
        title text NOT NULL,
        team text,
        insight_at timestamptz NOT NULL,
        work_started_at timestamptz,
        work_started_kind text,
        pr_source text,
        pr_repo text,
        pr_number integer,
        pr_opened_at timestamptz,
        evidence_at timestamptz,
        evidence_kind text,
        decision text,
        decided_at timestamptz,
        CONSTRAINT experiments_pkey PRIMARY KEY (org_id, id)
      )`);
    await q.query(`CREATE UNIQUE INDEX experiments_work_item_key ON experiments (org_id, work_item_source, work_item_key)`);
  }

  async down(q: QueryRunner): Promise<void> {
    for (const table of ['experiments', 'links', 'work_signals', 'incidents', 'deployments', 'ci_runs', 'reviews', 'commits', 'pull_requests', 'branches', 'work_item_transitions', 'work_items', 'identities']) {
      await q.query(`DROP TABLE ${table}`);
    }
    await q.query(`ALTER TABLE raw_events DROP COLUMN next_attempt_at`);
  }
}
