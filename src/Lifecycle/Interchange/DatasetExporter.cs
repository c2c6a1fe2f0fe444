using System.Runtime.CompilerServices;
using Lifecycle.Storage;
using Microsoft.EntityFrameworkCore;

namespace Lifecycle.Interchange;

/// <summary>
/// Writes the whole database back as a dataset folder through <see cref="DatasetWriter"/>, in a stable order,
/// so that import followed by export gives back the same files.
/// </summary>
public sealed class DatasetExporter(Database database)
{
    public async Task<Dictionary<string, long>> ExportFolderAsync(string folder, IProgress<ImportProgress>? progress = null, CancellationToken cancel = default)
    {
        var writer = new DatasetWriter(folder);
        var counts = new Dictionary<string, long>();
        await using var db = database.Open();
        void Done(string file, int rows) { counts[file] = rows; progress?.Report(new ImportProgress(file, rows)); }

        var accounts = await db.Accounts.AsNoTracking().OrderBy(a => a.Id).ToListAsync(cancel);
        writer.WriteAccounts(accounts); Done(DatasetFiles.Accounts, accounts.Count);
        var campaigns = await db.Campaigns.AsNoTracking().OrderBy(c => c.Id).ToListAsync(cancel);
        writer.WriteCampaigns(campaigns); Done(DatasetFiles.Campaigns, campaigns.Count);
        var contacts = await db.Contacts.AsNoTracking().OrderBy(c => c.Id).ToListAsync(cancel);
        writer.WriteContacts(contacts); Done(DatasetFiles.Contacts, contacts.Count);
        // Cost lines sort in memory: a null campaign must sort the same way on both engines.
        var costs = (await db.CostLines.AsNoTracking().ToListAsync(cancel))
            .OrderBy(c => c.Month).ThenBy(c => c.CampaignId ?? "", StringComparer.Ordinal).ThenBy(c => c.Channel, StringComparer.Ordinal).ThenBy(c => SnakeCase.Of(c.Category.ToString()), StringComparer.Ordinal).ToList();
        writer.WriteCosts(costs); Done(DatasetFiles.Costs, costs.Count);
        var transitions = await db.Transitions.AsNoTracking().OrderBy(t => t.ContactId).ThenBy(t => t.At).ThenBy(t => t.Id).ToListAsync(cancel);
        writer.WriteTransitions(transitions); Done(DatasetFiles.Transitions, transitions.Count);
        var deals = await db.Deals.AsNoTracking().OrderBy(d => d.Id).ToListAsync(cancel);
        writer.WriteDeals(deals); Done(DatasetFiles.Deals, deals.Count);
        var subscriptions = await db.Subscriptions.AsNoTracking().OrderBy(s => s.Id).ToListAsync(cancel);
        writer.WriteSubscriptions(subscriptions); Done(DatasetFiles.Subscriptions, subscriptions.Count);
        var nps = await db.NpsResponses.AsNoTracking().OrderBy(n => n.ContactId).ThenBy(n => n.RespondedAt).ToListAsync(cancel);
        writer.WriteNps(nps); Done(DatasetFiles.Nps, nps.Count);

        long events = 0;
        await writer.WriteEventsAsync(Payloads(db, () => events++, cancel), cancel);
        counts[DatasetFiles.Events] = events;
        progress?.Report(new ImportProgress(DatasetFiles.Events, events));
        return counts;
    }

    /// <summary>Events stream in (timestamp, messageId) order: there can be millions.</summary>
    private static async IAsyncEnumerable<string> Payloads(LifecycleDb db, Action counted, [EnumeratorCancellation] CancellationToken cancel)
    {
        await foreach (var payload in db.Events.AsNoTracking().OrderBy(e => e.Timestamp).ThenBy(e => e.MessageId).Select(e => e.Payload).AsAsyncEnumerable().WithCancellation(cancel))
        {
            counted();
            yield return payload;
        }
    }
}
