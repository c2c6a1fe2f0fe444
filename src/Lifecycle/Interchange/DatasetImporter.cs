using System.Data.Common;
using System.Diagnostics;
using System.Text.Json;
using Dapper;
using Lifecycle.Campaigns;
using Lifecycle.Contacts;
using Lifecycle.Pipeline;
using Lifecycle.Storage;
using Lifecycle.Tracking;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Storage;
using Database = Lifecycle.Storage.Database;

namespace Lifecycle.Interchange;

/// <summary>
/// Imports a dataset folder (docs/interchange.md) and CRM exports (docs/crm-mapping.md). Files go in
/// <see cref="DatasetFiles.InImportOrder"/>; each file is read whole and checked before anything of it is
/// written, then applied in one transaction, so a bad row leaves its file unapplied (earlier files stay).
/// Rows are upserted by their keys, so importing the same folder twice changes nothing. Big tables skip the
/// change tracker: one upsert statement per row kind, the same SQL on both engines (ON CONFLICT … DO UPDATE).
/// </summary>
public sealed class DatasetImporter(Database database, TimeProvider clock)
{
    private const int EventBatch = 20_000;

    public async Task<List<FileImportSummary>> ImportFolderAsync(string folder, IProgress<ImportProgress>? progress = null, CancellationToken cancel = default)
    {
        if (!Directory.Exists(folder)) throw new DirectoryNotFoundException($"no such folder: {folder}");
        var summaries = new List<FileImportSummary>();
        foreach (var (file, dialect) in CrmDialects.FilesInOrder(folder))
        {
            var clock = Stopwatch.StartNew();
            var path = Path.Combine(folder, file);
            var (rows, added) = file == DatasetFiles.Events
                ? await ImportEventsAsync(path, progress, cancel)
                : await ImportCsvAsync(path, file, dialect, progress, cancel);
            summaries.Add(new FileImportSummary(file, rows, added, clock.Elapsed));
        }
        return summaries;
    }

    private async Task<(long Rows, long New)> ImportCsvAsync(string path, string file, CrmDialect? dialect, IProgress<ImportProgress>? progress, CancellationToken cancel)
    {
        var kind = dialect?.Kind ?? file;
        await using var db = database.Open();
        var known = await KnownKeys.LoadAsync(db, cancel);
        using var rows = new CsvRows(path, file, Columns(kind), Required(kind), dialect?.Rename);
        var read = new RowReader(rows, known, dialect);
        var parsed = new List<object>();
        while (rows.Read())
        {
            parsed.Add(read.Row(kind));
            if (parsed.Count % 10_000 == 0) progress?.Report(new ImportProgress(file, parsed.Count));
        }
        progress?.Report(new ImportProgress(file, parsed.Count));
        parsed.AddRange(read.Pending);

        await using var transaction = await db.Database.BeginTransactionAsync(cancel);
        var connection = db.Database.GetDbConnection();
        var tx = transaction.GetDbTransaction();
        var before = await CountAsync(connection, tx, Table(kind));
        var now = clock.GetUtcNow().UtcDateTime;
        switch (kind)
        {
            case DatasetFiles.Accounts: await Upsert.AccountsAsync(connection, tx, parsed.Cast<Account>()); break;
            case DatasetFiles.Campaigns: await Upsert.CampaignsAsync(connection, tx, parsed.Cast<Campaign>()); break;
            case DatasetFiles.Contacts:
                await Upsert.ContactsAsync(connection, tx, parsed.OfType<Contact>());
                await Capture.Consents.RecordImportedAsync(connection, tx, now);
                await Upsert.TransitionsAsync(connection, tx, parsed.OfType<Transition>().ToList());
                break;
            case DatasetFiles.Costs: await Upsert.CostsAsync(connection, tx, parsed.Cast<CostLine>()); break;
            case DatasetFiles.Transitions: await Upsert.TransitionsAsync(connection, tx, parsed.Cast<Transition>().ToList()); break;
            case DatasetFiles.Deals:
                var deals = parsed.Cast<Deal>().ToList();
                await Upsert.DealsAsync(connection, tx, deals);
                await Upsert.AccountStatusesAsync(connection, tx, deals.Select(d => d.AccountId), now);
                break;
            case DatasetFiles.Subscriptions:
                var subscriptions = parsed.Cast<Subscription>().ToList();
                await Upsert.SubscriptionsAsync(connection, tx, subscriptions);
                await Upsert.AccountStatusesAsync(connection, tx, subscriptions.Select(s => s.AccountId), now);
                break;
            case DatasetFiles.Nps: await Upsert.NpsAsync(connection, tx, parsed.Cast<NpsResponse>()); break;
        }
        var after = await CountAsync(connection, tx, Table(kind));
        await transaction.CommitAsync(cancel);
        return (read.Rows, after - before);
    }

    private async Task<(long Rows, long New)> ImportEventsAsync(string path, IProgress<ImportProgress>? progress, CancellationToken cancel)
    {
        // Streamed: only the contact lookup and one batch are in memory. A messageId seen before (in the database or
        // earlier in the file) is a retry and is skipped, as the tracking API does.
        await using var db = database.Open();
        var contacts = await db.Contacts.AsNoTracking().Select(c => new { c.Id, c.Email }).ToListAsync(cancel);
        var byId = contacts.Select(c => c.Id).ToHashSet(StringComparer.Ordinal);
        var byEmail = contacts.Where(c => c.Email != null).GroupBy(c => c.Email!).ToDictionary(g => g.Key, g => g.First().Id, StringComparer.Ordinal);
        var receivedAt = clock.GetUtcNow().UtcDateTime;

        await using var transaction = await db.Database.BeginTransactionAsync(cancel);
        var connection = db.Database.GetDbConnection();
        var tx = transaction.GetDbTransaction();
        var batch = new List<EventRow>(EventBatch);
        long rows = 0, added = 0;
        var likelyNew = true; // until a batch meets stored events, as a first import never does
        using var reader = new StreamReader(path, System.Text.Encoding.UTF8, true, 1 << 16);
        var line = 0;
        while (await reader.ReadLineAsync(cancel) is { } text)
        {
            line++;
            if (string.IsNullOrWhiteSpace(text)) continue;
            var row = EventLine.Parse(text.TrimEnd('\r'), line, receivedAt, byId, byEmail);
            batch.Add(row);
            rows++;
            if (batch.Count == EventBatch)
            {
                var inserted = await EventStore.InsertNewAsync(connection, tx, batch, cancel, likelyNew: likelyNew);
                likelyNew &= inserted == batch.Count;
                added += inserted;
                batch.Clear();
                progress?.Report(new ImportProgress(DatasetFiles.Events, rows));
            }
        }
        if (batch.Count > 0) added += await EventStore.InsertNewAsync(connection, tx, batch, cancel, likelyNew: likelyNew);
        progress?.Report(new ImportProgress(DatasetFiles.Events, rows));
        await transaction.CommitAsync(cancel);
        return (rows, added);
    }

    private static Task<long> CountAsync(DbConnection connection, DbTransaction tx, string table) =>
        connection.ExecuteScalarAsync<long>($"SELECT count(*) FROM {table}", transaction: tx);

    private static string Table(string kind) => kind switch
    {
        DatasetFiles.Accounts => "accounts",
        DatasetFiles.Campaigns => "campaigns",
        DatasetFiles.Contacts => "contacts",
        DatasetFiles.Costs => "cost_lines",
        DatasetFiles.Transitions => "transitions",
        DatasetFiles.Deals => "deals",
        DatasetFiles.Subscriptions => "subscriptions",
        DatasetFiles.Nps => "nps_responses",
        _ => throw new ArgumentOutOfRangeException(nameof(kind)),
    };

    private static string[] Columns(string kind) => kind switch
    {
        DatasetFiles.Accounts => DatasetFiles.AccountColumns,
        DatasetFiles.Campaigns => DatasetFiles.CampaignColumns,
        DatasetFiles.Contacts => [.. DatasetFiles.ContactColumns, RowReader.StatusColumn],
        DatasetFiles.Costs => DatasetFiles.CostColumns,
        DatasetFiles.Transitions => DatasetFiles.TransitionColumns,
        DatasetFiles.Deals => [.. DatasetFiles.DealColumns, RowReader.StatusColumn],
        DatasetFiles.Subscriptions => DatasetFiles.SubscriptionColumns,
        DatasetFiles.Nps => DatasetFiles.NpsColumns,
        _ => throw new ArgumentOutOfRangeException(nameof(kind)),
    };

    private static string[] Required(string kind) => kind switch
    {
        DatasetFiles.Accounts => ["account_id", "name"],
        DatasetFiles.Campaigns => ["campaign_id", "name", "channel"],
        DatasetFiles.Contacts => ["contact_id"],
        DatasetFiles.Costs => ["month", "channel", "category", "amount"],
        DatasetFiles.Transitions => ["contact_id", "to_status", "at"],
        DatasetFiles.Deals => ["deal_id", "account_id", "amount", "created_at"],
        DatasetFiles.Subscriptions => ["subscription_id", "account_id", "mrr", "starts_on"],
        DatasetFiles.Nps => ["contact_id", "score", "responded_at"],
        _ => [],
    };
}

/// <summary>The keys already in the database, for checking references before anything is written.</summary>
internal sealed class KnownKeys
{
    public required HashSet<string> Accounts { get; init; }
    public required HashSet<string> Campaigns { get; init; }
    public required Dictionary<string, string?> ContactCampaigns { get; init; }
    public required Dictionary<string, string> EmailOwners { get; init; }

    public static async Task<KnownKeys> LoadAsync(LifecycleDb db, CancellationToken cancel)
    {
        var contacts = await db.Contacts.AsNoTracking().Select(c => new { c.Id, c.Email, c.CampaignId }).ToListAsync(cancel);
        return new KnownKeys
        {
            Accounts = (await db.Accounts.AsNoTracking().Select(a => a.Id).ToListAsync(cancel)).ToHashSet(StringComparer.Ordinal),
            Campaigns = (await db.Campaigns.AsNoTracking().Select(c => c.Id).ToListAsync(cancel)).ToHashSet(StringComparer.Ordinal),
            ContactCampaigns = contacts.ToDictionary(c => c.Id, c => c.CampaignId, StringComparer.Ordinal),
            EmailOwners = contacts.Where(c => c.Email != null).ToDictionary(c => c.Email!, c => c.Id, StringComparer.Ordinal),
        };
    }
}

/// <summary>One line of events.jsonl: checked, with its query columns extracted; the line itself is the payload.</summary>
internal static class EventLine
{
    public static EventRow Parse(string text, int line, DateTime receivedAt, HashSet<string> contactIds, Dictionary<string, string> emails)
    {
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(text);
        }
        catch (JsonException e)
        {
            throw new ImportException(DatasetFiles.Events, line, null, null, $"not valid JSON: {e.Message}");
        }
        using (document)
        {
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object) throw new ImportException(DatasetFiles.Events, line, null, null, "a line must be one JSON object");
            string? Text(string field)
            {
                if (!root.TryGetProperty(field, out var value) || value.ValueKind == JsonValueKind.Null) return null;
                if (value.ValueKind == JsonValueKind.Number) return value.GetRawText();
                if (value.ValueKind != JsonValueKind.String) throw new ImportException(DatasetFiles.Events, line, null, field, "must be a string");
                var s = value.GetString()!;
                if (s.Any(char.IsControl)) throw new ImportException(DatasetFiles.Events, line, null, field, "must not contain control characters");
                return s.Length == 0 ? null : s;
            }
            var messageId = Text("messageId") ?? throw new ImportException(DatasetFiles.Events, line, null, "messageId", "required");
            if (messageId.Length > 200) throw new ImportException(DatasetFiles.Events, line, null, "messageId", "longer than 200 characters");
            var type = Text("type") ?? throw new ImportException(DatasetFiles.Events, line, null, "type", "required");
            if (!SegmentMessages.Types.Contains(type))
                throw new ImportException(DatasetFiles.Events, line, null, "type", $"'{type}' is not one of {string.Join(", ", SegmentMessages.Types)}");
            var userId = Text("userId");
            var anonymousId = Text("anonymousId");
            if (userId is null && anonymousId is null) throw new ImportException(DatasetFiles.Events, line, null, "userId", "userId or anonymousId is required");
            var name = type switch { "track" => Text("event"), "page" => "Page Viewed", "screen" => "Screen Viewed", _ => null };
            if (type == "track" && name is null) throw new ImportException(DatasetFiles.Events, line, null, "event", "required for track");
            var field = root.TryGetProperty("timestamp", out _) ? "timestamp" : "originalTimestamp";
            var stamp = Text(field) ?? throw new ImportException(DatasetFiles.Events, line, null, "timestamp", "timestamp or originalTimestamp is required");
            if (!DateTimeOffset.TryParse(stamp, System.Globalization.CultureInfo.InvariantCulture, System.Globalization.DateTimeStyles.AssumeUniversal, out var timestamp))
                throw new ImportException(DatasetFiles.Events, line, null, field, $"'{stamp}' is not an ISO 8601 date-time");
            string? contactId = null;
            if (userId is not null)
                contactId = contactIds.Contains(userId) ? userId : emails.GetValueOrDefault(userId.Trim().ToLowerInvariant());
            return new EventRow(messageId, type, name, contactId, userId, anonymousId, Text("groupId"),
                timestamp.UtcDateTime, receivedAt, TimestampFlag.None, text);
        }
    }
}
