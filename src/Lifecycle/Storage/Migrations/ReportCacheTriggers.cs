namespace Lifecycle.Storage.Migrations;

/// <summary>
/// The triggers of migration ReportCache (both engines): every table a report reads deletes, in the writing
/// transaction, the kept report values a written row can change (Reports/ReportCache). Frozen with that migration: a
/// table reports start to read later gets its triggers in a new migration.
/// </summary>
public static class ReportCacheTriggers
{
    /// <summary>A table whose rows carry the earliest instant they can change a report at (r is the row).</summary>
    private sealed record Timed(string Table, string Postgres, string Sqlite, string? Filter = null);

    private static readonly Timed[] TimedTables =
    [
        new("transitions", "r.at", "r.at"),
        new("events", "r.timestamp", "r.timestamp"),
        new("score_changes", "r.at", "r.at"),
        new("nps_responses", "r.responded_at", "r.responded_at"),
        // Won deals count by creation and close; an open or lost deal is in no report.
        new("deals", "least(r.created_at, r.closed_at)", "min(r.created_at, coalesce(r.closed_at, r.created_at))", "r.outcome = 'won'"),
        // Dates and months are local: a day earlier covers every zone's midnight.
        new("subscriptions", "(least(r.starts_on, r.ends_on) - 1)::timestamp AT TIME ZONE 'UTC'",
            "date(min(r.starts_on, coalesce(r.ends_on, r.starts_on)), '-1 day')"),
        new("cost_lines", "(r.month - 1)::timestamp AT TIME ZONE 'UTC'", "date(r.month, '-1 day')"),
        new("program_step_runs", "least(r.entered_at, r.ended_at)", "min(r.entered_at, coalesce(r.ended_at, r.entered_at))"),
    ];

    /// <summary>A table whose change has no instant (who a contact is, an account's owner, a campaign's channel): it changes every report.</summary>
    private sealed record Untimed(string Table, string[] Columns, bool Inserts);

    private static readonly Untimed[] UntimedTables =
    [
        new("contacts", ["account_id", "lead_source", "campaign_id"], Inserts: false),
        new("accounts", ["owner", "owner_id"], Inserts: false),
        new("campaigns", ["channel", "audience"], Inserts: true),
        new("programs", ["definition"], Inserts: true),
        new("scoring_models", ["activated_at"], Inserts: true),
    ];

    public static string Postgres()
    {
        var sql = new List<string>
        {
            """
            CREATE FUNCTION report_cache_forget_all() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
                DELETE FROM report_cache;
                RETURN NULL;
            END $$;
            """,
        };
        foreach (var t in TimedTables)
        {
            var where = t.Filter is null ? "" : $" WHERE {t.Filter}";
            // Statement triggers: one delete per statement (a tracking batch, an import), not per row.
            sql.Add($"""
                CREATE FUNCTION report_cache_forget_{t.Table}() RETURNS trigger LANGUAGE plpgsql AS $$
                DECLARE since timestamptz;
                BEGIN
                    IF TG_OP = 'INSERT' THEN SELECT min({t.Postgres}) INTO since FROM new_rows r{where};
                    ELSIF TG_OP = 'DELETE' THEN SELECT min({t.Postgres}) INTO since FROM old_rows r{where};
                    ELSE SELECT least((SELECT min({t.Postgres}) FROM new_rows r{where}), (SELECT min({t.Postgres}) FROM old_rows r{where})) INTO since;
                    END IF;
                    IF since IS NOT NULL THEN DELETE FROM report_cache WHERE depends_until > since; END IF;
                    RETURN NULL;
                END $$;
                CREATE TRIGGER report_cache_insert AFTER INSERT ON {t.Table} REFERENCING NEW TABLE AS new_rows
                    FOR EACH STATEMENT EXECUTE FUNCTION report_cache_forget_{t.Table}();
                CREATE TRIGGER report_cache_update AFTER UPDATE ON {t.Table} REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
                    FOR EACH STATEMENT EXECUTE FUNCTION report_cache_forget_{t.Table}();
                CREATE TRIGGER report_cache_delete AFTER DELETE ON {t.Table} REFERENCING OLD TABLE AS old_rows
                    FOR EACH STATEMENT EXECUTE FUNCTION report_cache_forget_{t.Table}();
                """);
        }
        foreach (var u in UntimedTables)
        {
            var changed = string.Join(" OR ", u.Columns.Select(c => $"OLD.{c} IS DISTINCT FROM NEW.{c}"));
            sql.Add($"""
                CREATE TRIGGER report_cache_update AFTER UPDATE OF {string.Join(", ", u.Columns)} ON {u.Table}
                    FOR EACH ROW WHEN ({changed}) EXECUTE FUNCTION report_cache_forget_all();
                CREATE TRIGGER report_cache_delete AFTER DELETE ON {u.Table} FOR EACH ROW EXECUTE FUNCTION report_cache_forget_all();
                """);
            if (u.Inserts) sql.Add($"CREATE TRIGGER report_cache_insert AFTER INSERT ON {u.Table} FOR EACH ROW EXECUTE FUNCTION report_cache_forget_all();");
        }
        return string.Join("\n", sql);
    }

    public static string Sqlite()
    {
        var sql = new List<string>();
        foreach (var t in TimedTables)
        {
            string Of(string row, string text) => text.Replace("r.", row + ".");
            string When(string row) => t.Filter is null ? "" : $" WHEN {Of(row, t.Filter)}";
            string Forget(string row) => $"DELETE FROM report_cache WHERE depends_until > {Of(row, t.Sqlite)};";
            var updateWhere = t.Filter is null
                ? $"depends_until > min({Of("OLD", t.Sqlite)}, {Of("NEW", t.Sqlite)})"
                : $"({Of("OLD", t.Filter)} AND depends_until > {Of("OLD", t.Sqlite)}) OR ({Of("NEW", t.Filter)} AND depends_until > {Of("NEW", t.Sqlite)})";
            sql.Add($"""
                CREATE TRIGGER report_cache_{t.Table}_insert AFTER INSERT ON {t.Table}{When("NEW")} BEGIN {Forget("NEW")} END;
                CREATE TRIGGER report_cache_{t.Table}_update AFTER UPDATE ON {t.Table} BEGIN DELETE FROM report_cache WHERE {updateWhere}; END;
                CREATE TRIGGER report_cache_{t.Table}_delete AFTER DELETE ON {t.Table}{When("OLD")} BEGIN {Forget("OLD")} END;
                """);
        }
        foreach (var u in UntimedTables)
        {
            var changed = string.Join(" OR ", u.Columns.Select(c => $"OLD.{c} IS NOT NEW.{c}"));
            sql.Add($"""
                CREATE TRIGGER report_cache_{u.Table}_update AFTER UPDATE OF {string.Join(", ", u.Columns)} ON {u.Table}
                    WHEN {changed} BEGIN DELETE FROM report_cache; END;
                CREATE TRIGGER report_cache_{u.Table}_delete AFTER DELETE ON {u.Table} BEGIN DELETE FROM report_cache; END;
                """);
            if (u.Inserts) sql.Add($"CREATE TRIGGER report_cache_{u.Table}_insert AFTER INSERT ON {u.Table} BEGIN DELETE FROM report_cache; END;");
        }
        return string.Join("\n", sql);
    }

    /// <summary>What <see cref="Postgres"/> creates, dropped (the migration's Down).</summary>
    public static string DropPostgres() => string.Join("\n",
        TimedTables.Select(t => t.Table).Concat(UntimedTables.Select(u => u.Table))
            .SelectMany(table => new[] { "insert", "update", "delete" }.Select(op => $"DROP TRIGGER IF EXISTS report_cache_{op} ON {table};"))
            .Concat(TimedTables.Select(t => $"DROP FUNCTION report_cache_forget_{t.Table}();"))
            .Append("DROP FUNCTION report_cache_forget_all();"));

    /// <summary>What <see cref="Sqlite"/> creates, dropped (the migration's Down).</summary>
    public static string DropSqlite() => string.Join("\n",
        TimedTables.Select(t => t.Table).Concat(UntimedTables.Select(u => u.Table))
            .SelectMany(table => new[] { "insert", "update", "delete" }.Select(op => $"DROP TRIGGER IF EXISTS report_cache_{table}_{op};")));
}
