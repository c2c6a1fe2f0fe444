namespace Lifecycle.Storage.Migrations;

/// <summary>
/// The triggers of migration ReportCacheLaterData (both engines): they forget the kept values of metrics that read
/// data from after their period (Reports/LaterData), beside the triggers of <see cref="ReportCacheTriggers"/>, which
/// forget by the instant of what is written.
/// - report_emails: a message's row changed (its bounce, open or click arrived) forgets the e-mail values of the
///   period it was sent in.
/// - transitions: a contact's new stage forgets the history values of the periods the contact has a transition in
///   (a cohort is made of contacts active in the period). PostgreSQL forgets them all when a statement touches over
///   1,000 contacts (an import), rather than searching each history.
/// - deals: a won deal changes first-year bookings and cohorts' bookings: it forgets every history value.
/// Frozen with that migration.
/// </summary>
public static class ReportCacheLaterTriggers
{
    public static string Postgres() => """
        CREATE FUNCTION report_cache_forget_later_emails() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            IF TG_OP IN ('INSERT', 'UPDATE') THEN
                DELETE FROM report_cache c WHERE c.later = 'emails'
                    AND EXISTS (SELECT 1 FROM new_rows r WHERE r.sent_at >= c.depends_from AND r.sent_at < c.depends_until);
            END IF;
            IF TG_OP IN ('UPDATE', 'DELETE') THEN
                DELETE FROM report_cache c WHERE c.later = 'emails'
                    AND EXISTS (SELECT 1 FROM old_rows r WHERE r.sent_at >= c.depends_from AND r.sent_at < c.depends_until);
            END IF;
            RETURN NULL;
        END $$;
        CREATE TRIGGER report_cache_later_insert AFTER INSERT ON report_emails REFERENCING NEW TABLE AS new_rows
            FOR EACH STATEMENT EXECUTE FUNCTION report_cache_forget_later_emails();
        CREATE TRIGGER report_cache_later_update AFTER UPDATE ON report_emails REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
            FOR EACH STATEMENT EXECUTE FUNCTION report_cache_forget_later_emails();
        CREATE TRIGGER report_cache_later_delete AFTER DELETE ON report_emails REFERENCING OLD TABLE AS old_rows
            FOR EACH STATEMENT EXECUTE FUNCTION report_cache_forget_later_emails();

        CREATE FUNCTION report_cache_forget_later_transitions() RETURNS trigger LANGUAGE plpgsql AS $$
        DECLARE changed text[];
        BEGIN
            IF NOT EXISTS (SELECT 1 FROM report_cache WHERE later = 'histories') THEN RETURN NULL; END IF;
            IF TG_OP = 'INSERT' THEN SELECT array_agg(DISTINCT contact_id) INTO changed FROM new_rows;
            ELSIF TG_OP = 'DELETE' THEN SELECT array_agg(DISTINCT contact_id) INTO changed FROM old_rows;
            ELSE SELECT array_agg(DISTINCT contact_id) INTO changed FROM (SELECT contact_id FROM new_rows UNION SELECT contact_id FROM old_rows) r;
            END IF;
            IF cardinality(changed) > 1000 THEN
                DELETE FROM report_cache WHERE later = 'histories';
            ELSE
                DELETE FROM report_cache c WHERE c.later = 'histories' AND EXISTS (
                    SELECT 1 FROM transitions t WHERE t.contact_id = ANY(changed) AND t.at >= c.depends_from AND t.at < c.depends_until);
            END IF;
            RETURN NULL;
        END $$;
        CREATE TRIGGER report_cache_later_insert AFTER INSERT ON transitions REFERENCING NEW TABLE AS new_rows
            FOR EACH STATEMENT EXECUTE FUNCTION report_cache_forget_later_transitions();
        CREATE TRIGGER report_cache_later_update AFTER UPDATE ON transitions REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
            FOR EACH STATEMENT EXECUTE FUNCTION report_cache_forget_later_transitions();
        CREATE TRIGGER report_cache_later_delete AFTER DELETE ON transitions REFERENCING OLD TABLE AS old_rows
            FOR EACH STATEMENT EXECUTE FUNCTION report_cache_forget_later_transitions();

        CREATE FUNCTION report_cache_forget_later_deals() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            -- Nested: a transition table is only planned on the branch of the operation that has it.
            IF TG_OP IN ('INSERT', 'UPDATE') THEN
                IF EXISTS (SELECT 1 FROM new_rows WHERE outcome = 'won') THEN DELETE FROM report_cache WHERE later = 'histories'; END IF;
            END IF;
            IF TG_OP IN ('UPDATE', 'DELETE') THEN
                IF EXISTS (SELECT 1 FROM old_rows WHERE outcome = 'won') THEN DELETE FROM report_cache WHERE later = 'histories'; END IF;
            END IF;
            RETURN NULL;
        END $$;
        CREATE TRIGGER report_cache_later_insert AFTER INSERT ON deals REFERENCING NEW TABLE AS new_rows
            FOR EACH STATEMENT EXECUTE FUNCTION report_cache_forget_later_deals();
        CREATE TRIGGER report_cache_later_update AFTER UPDATE ON deals REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
            FOR EACH STATEMENT EXECUTE FUNCTION report_cache_forget_later_deals();
        CREATE TRIGGER report_cache_later_delete AFTER DELETE ON deals REFERENCING OLD TABLE AS old_rows
            FOR EACH STATEMENT EXECUTE FUNCTION report_cache_forget_later_deals();
        """;

    public static string DropPostgres() => string.Join("\n",
        new[] { "report_emails", "transitions", "deals" }.SelectMany(table => new[] { "insert", "update", "delete" }
            .Select(op => $"DROP TRIGGER IF EXISTS report_cache_later_{op} ON {table};"))
        .Concat(["DROP FUNCTION report_cache_forget_later_emails();", "DROP FUNCTION report_cache_forget_later_transitions();",
            "DROP FUNCTION report_cache_forget_later_deals();"]));

    public static string Sqlite()
    {
        static string Emails(string row) =>
            $"(later = 'emails' AND {row}.sent_at >= depends_from AND {row}.sent_at < depends_until)";
        static string Histories(string contacts) =>
            $"later = 'histories' AND EXISTS (SELECT 1 FROM transitions t WHERE t.contact_id IN ({contacts}) AND t.at >= report_cache.depends_from AND t.at < report_cache.depends_until)";
        return $"""
            CREATE TRIGGER report_cache_later_report_emails_insert AFTER INSERT ON report_emails BEGIN DELETE FROM report_cache WHERE {Emails("NEW")}; END;
            CREATE TRIGGER report_cache_later_report_emails_update AFTER UPDATE ON report_emails BEGIN DELETE FROM report_cache WHERE {Emails("NEW")} OR {Emails("OLD")}; END;
            CREATE TRIGGER report_cache_later_report_emails_delete AFTER DELETE ON report_emails BEGIN DELETE FROM report_cache WHERE {Emails("OLD")}; END;
            CREATE TRIGGER report_cache_later_transitions_insert AFTER INSERT ON transitions BEGIN DELETE FROM report_cache WHERE {Histories("NEW.contact_id")}; END;
            CREATE TRIGGER report_cache_later_transitions_update AFTER UPDATE ON transitions BEGIN DELETE FROM report_cache WHERE {Histories("NEW.contact_id, OLD.contact_id")}; END;
            CREATE TRIGGER report_cache_later_transitions_delete AFTER DELETE ON transitions BEGIN DELETE FROM report_cache WHERE {Histories("OLD.contact_id")}; END;
            CREATE TRIGGER report_cache_later_deals_insert AFTER INSERT ON deals WHEN NEW.outcome = 'won' BEGIN DELETE FROM report_cache WHERE later = 'histories'; END;
            CREATE TRIGGER report_cache_later_deals_update AFTER UPDATE ON deals WHEN NEW.outcome = 'won' OR OLD.outcome = 'won' BEGIN DELETE FROM report_cache WHERE later = 'histories'; END;
            CREATE TRIGGER report_cache_later_deals_delete AFTER DELETE ON deals WHEN OLD.outcome = 'won' BEGIN DELETE FROM report_cache WHERE later = 'histories'; END;
            """;
    }

    public static string DropSqlite() => string.Join("\n",
        new[] { "report_emails", "transitions", "deals" }.SelectMany(table => new[] { "insert", "update", "delete" }
            .Select(op => $"DROP TRIGGER IF EXISTS report_cache_later_{table}_{op};")));
}
