using Lifecycle.Scoring;
using Lifecycle.Segments;
using Lifecycle.Storage;

namespace Lifecycle.Tests.Segments;

public class SegmentParserTests
{
    private static SegmentSyntaxException Error(string definition) => Assert.Throws<SegmentSyntaxException>(() => SegmentParser.Parse(definition));

    [Fact]
    public void And_binds_tighter_than_or_and_parentheses_and_not_group()
    {
        var filter = SegmentParser.Parse("country = 'DE' or country = 'FR' and not (status in (lead, 'mql'))");
        var or = Assert.IsType<OrFilter>(filter);
        Assert.Equal("country", Assert.IsType<FieldFilter>(or.Left).Field.Name);
        var and = Assert.IsType<AndFilter>(or.Right);
        var not = Assert.IsType<NotFilter>(and.Right);
        var status = Assert.IsType<FieldFilter>(not.Inner);
        Assert.Equal("in", status.Op);
        Assert.Equal(["lead", "mql"], status.Values);
    }

    [Fact]
    public void Behaviour_reads_event_properties_count_and_window()
    {
        var filter = SegmentParser.Parse("DID NOT 'Page Viewed' where (path contains '/pricing' and plan = 'pro') at least 3 times within 14 days");
        var did = Assert.IsType<BehaviourFilter>(filter);
        Assert.Equal((true, "Page Viewed", 3, (int?)14), (did.Negated, did.Event, did.AtLeast, did.WithinDays));
        Assert.Equal([new PropertyFilter("path", "contains", "/pricing"), new PropertyFilter("plan", "=", "pro")], did.Where);
        var simple = Assert.IsType<BehaviourFilter>(SegmentParser.Parse("did \"Demo Requested\""));
        Assert.Equal((false, 1, (int?)null), (simple.Negated, simple.AtLeast, simple.WithinDays));
    }

    [Fact]
    public void Values_are_typed_by_their_field()
    {
        var filter = (AndFilter)SegmentParser.Parse("account.employees >= 200 and created_at < '2026-03-01' and consent = true and custom.言語 = 'O''Brien'");
        var left = (AndFilter)filter.Left;
        Assert.Equal(200.0, ((FieldFilter)((AndFilter)left.Left).Left).Values[0]);
        Assert.Equal(new DateTime(2026, 3, 1, 0, 0, 0, DateTimeKind.Utc), ((FieldFilter)((AndFilter)left.Left).Right).Values[0]);
        Assert.Equal(true, ((FieldFilter)left.Right).Values[0]);
        var custom = (FieldFilter)filter.Right;
        Assert.Equal(("言語", "O'Brien"), (custom.Field.CustomKey, (string)custom.Values[0]));
    }

    [Theory]
    // Positions are 1-based character offsets of the offending token.
    [InlineData("titel = 'VP'", 1, "unknown field 'titel'")]
    [InlineData("title = 'VP' and countri = 'DE'", 18, "unknown field 'countri'")]
    [InlineData("title ~ 'VP'", 7, "unexpected character '~'")]
    [InlineData("title = 'VP", 9, "text starting here has no closing '")]
    [InlineData("(title = 'VP'", 14, "expected ')', found the end of the definition")]
    [InlineData("title = 'VP')", 13, "unexpected ')'; expected 'and', 'or' or the end")]
    [InlineData("status = 'prospect'", 10, "'prospect' is not a lifecycle status")]
    [InlineData("title > 'VP'", 7, "'>' compares numbers and instants; 'title' is text")]
    [InlineData("account.employees = 'many'", 21, "'account.employees' is a number; 'many' is not")]
    [InlineData("did Demo", 5, "expected an event name in quotes")]
    [InlineData("did 'Demo Requested' at least 0 times", 31, "'0' is not a whole number from 1 to 100000")]
    [InlineData("did 'Page Viewed' where path like '/x'", 30, "expected '=', '!=' or 'contains' after property 'path'")]
    [InlineData("created_at >= 'yesterday'", 15, "'created_at' is an instant")]
    [InlineData("title = 'a' and", 16, "expected a field, 'did', 'not' or '(', found the end of the definition")]
    [InlineData("   ", 1, "the definition is empty")]
    public void Errors_give_the_position_and_the_reason(string definition, int position, string reason)
    {
        var error = Error(definition);
        Assert.Equal(position, error.Position);
        Assert.StartsWith(reason, error.Reason);
        Assert.StartsWith($"position {position}: ", error.Message);
    }

    [Fact]
    public void Deep_nesting_is_refused_instead_of_overflowing_the_stack()
    {
        var error = Error(new string('(', 100) + "title = 'x'" + new string(')', 100));
        Assert.Contains("nested deeper than 64 levels", error.Reason);
    }

    [Fact]
    public void The_sql_carries_user_text_only_as_parameters()
    {
        const string hostile = "x'); DROP TABLE contacts; --";
        var filter = SegmentParser.Parse($"title contains '{hostile.Replace("'", "''")}' or custom.k = 'v' or did '{hostile.Replace("'", "''")}' where \"{hostile.Replace("\"", "\"\"")}\" = 'a%b'");
        foreach (var engine in new[] { DatabaseEngine.Sqlite, DatabaseEngine.Postgres })
        {
            var query = SegmentSql.Compile(filter, engine, new DateTime(2026, 6, 1, 0, 0, 0, DateTimeKind.Utc), new ScoreRows(1, new Dictionary<int, string[]>()));
            Assert.DoesNotContain("DROP", query.Where);
            Assert.DoesNotContain("a%b", query.Where);
            Assert.Contains(query.Parameters.Values, v => v as string == "%x''); drop table contacts; --%".Replace("''", "'"));
            Assert.Contains(query.Parameters.Values, v => v as string == hostile); // the event name, exactly
        }
    }

    [Fact]
    public void Sql_generation_follows_the_tree_and_the_engine()
    {
        var filter = SegmentParser.Parse("account.industry = 'Software' and not did 'Demo Requested' at least 2 times within 7 days");
        var now = new DateTime(2026, 6, 8, 0, 0, 0, DateTimeKind.Utc);
        var sqlite = SegmentSql.Compile(filter, DatabaseEngine.Sqlite, now, new ScoreRows(3, new Dictionary<int, string[]>()));
        Assert.Equal("(LOWER(a.industry) = @p0 AND (NOT COALESCE(c.id IN (SELECT e.contact_id FROM events e WHERE e.contact_id IS NOT NULL AND e.name = @p1 AND e.timestamp >= @p2 GROUP BY e.contact_id HAVING COUNT(*) >= @p3), FALSE)))", sqlite.Where);
        Assert.Equal(["software", "Demo Requested", "2026-06-01 00:00:00", 2], sqlite.Parameters.Values.ToArray());
        var postgres = SegmentSql.Compile(filter, DatabaseEngine.Postgres, now, new ScoreRows(3, new Dictionary<int, string[]>()));
        Assert.Equal(new DateTime(2026, 6, 1, 0, 0, 0, DateTimeKind.Utc), postgres.Parameters["p2"]);
        var custom = SegmentSql.Compile(SegmentParser.Parse("account.custom.tier contains '5_%'"), DatabaseEngine.Postgres, now, new ScoreRows(3, new Dictionary<int, string[]>()));
        Assert.Equal("LOWER((CAST(a.custom AS jsonb) ->> @p0)) LIKE @p1 ESCAPE '\\'", custom.Where);
        Assert.Equal(["tier", "%5\\_\\%%"], custom.Parameters.Values.ToArray());
    }
}
