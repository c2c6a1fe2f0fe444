using Dapper;
using Lifecycle.Scoring;
using Lifecycle.Storage;
using Microsoft.EntityFrameworkCore;

namespace Lifecycle.Segments;

/// <summary>One member row, as listed and exported.</summary>
public sealed record SegmentMember(string Id, string? Email, string? FirstName, string? LastName, string? Title, string? Status, string? AccountId);

/// <summary>Runs segment definitions against the data (dynamic membership) and stores named segments.</summary>
public static class SegmentQueries
{
    public static async Task<SegmentQuery> CompileAsync(LifecycleDb db, SegmentFilter filter, TimeProvider clock, CancellationToken cancel)
    {
        var (version, _) = await ScoringModels.CurrentAsync(db, clock, cancel);
        return SegmentSql.Compile(filter, db.Engine, clock.GetUtcNow().UtcDateTime, await ScoringModels.RowsAsync(db, version, cancel));
    }

    public static async Task<long> CountAsync(LifecycleDb db, SegmentFilter filter, TimeProvider clock, CancellationToken cancel)
    {
        var query = await CompileAsync(db, filter, clock, cancel);
        var connection = db.Database.GetDbConnection();
        await db.Database.OpenConnectionAsync(cancel);
        return await connection.ExecuteScalarAsync<long>(new CommandDefinition(
            $"SELECT COUNT(*) {SegmentQuery.From} WHERE {query.Where}", query.ToDapper(), cancellationToken: cancel));
    }

    /// <summary>Members ordered by contact id; <paramref name="limit"/> null for all of them (export).</summary>
    public static async Task<List<SegmentMember>> MembersAsync(LifecycleDb db, SegmentFilter filter, TimeProvider clock, int? limit, int offset, CancellationToken cancel)
    {
        var query = await CompileAsync(db, filter, clock, cancel);
        var parameters = query.ToDapper();
        var page = "";
        if (limit is { } take)
        {
            parameters.Add("page_limit", take);
            parameters.Add("page_offset", offset);
            page = " LIMIT @page_limit OFFSET @page_offset";
        }
        var connection = db.Database.GetDbConnection();
        await db.Database.OpenConnectionAsync(cancel);
        var rows = await connection.QueryAsync<SegmentMember>(new CommandDefinition(
            $"SELECT c.id AS Id, c.email AS Email, c.first_name AS FirstName, c.last_name AS LastName, c.title AS Title, c.status AS Status, c.account_id AS AccountId {SegmentQuery.From} WHERE {query.Where} ORDER BY c.id{page}",
            parameters, cancellationToken: cancel));
        return rows.ToList();
    }

    /// <summary>A saved segment by id, or by name when the reference is not a number.</summary>
    public static Task<Segment?> FindAsync(LifecycleDb db, string reference, CancellationToken cancel) =>
        long.TryParse(reference, out var id)
            ? db.Set<Segment>().AsNoTracking().FirstOrDefaultAsync(s => s.Id == id, cancel)
            : db.Set<Segment>().AsNoTracking().FirstOrDefaultAsync(s => s.Name == reference, cancel);

    /// <summary>Saves a segment whose definition parses; throws <see cref="SegmentSyntaxException"/> otherwise (nothing saved).</summary>
    public static async Task<Segment> CreateAsync(LifecycleDb db, string name, string definition, TimeProvider clock, CancellationToken cancel)
    {
        SegmentParser.Parse(definition);
        var segment = new Segment { Name = name.Trim(), Definition = definition.Trim(), CreatedAt = clock.GetUtcNow().UtcDateTime };
        db.Add(segment);
        await db.SaveChangesAsync(cancel);
        return segment;
    }

    /// <summary>Replaces a segment's name and definition when the definition parses; throws <see cref="SegmentSyntaxException"/> otherwise (nothing saved).</summary>
    public static async Task<Segment?> UpdateAsync(LifecycleDb db, long id, string name, string definition, CancellationToken cancel)
    {
        SegmentParser.Parse(definition);
        if (await db.Set<Segment>().FirstOrDefaultAsync(s => s.Id == id, cancel) is not { } segment) return null;
        (segment.Name, segment.Definition) = (name.Trim(), definition.Trim());
        await db.SaveChangesAsync(cancel);
        return segment;
    }
}
