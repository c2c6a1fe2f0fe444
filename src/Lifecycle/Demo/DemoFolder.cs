using Lifecycle.Interchange;

namespace Lifecycle.Demo;

/// <summary>Writes a generated dataset as a dataset folder, streaming the events, through the exporter's writer.</summary>
public static class DemoFolder
{
    public static DemoDataset Write(string folder, DemoOptions options, IProgress<int>? progress = null)
    {
        var writer = new DatasetWriter(folder);
        DemoDataset data;
        using (var events = new FileStream(Path.Combine(writer.Folder, DatasetFiles.Events), FileMode.Create, FileAccess.Write, FileShare.None, 1 << 16))
        {
            data = DemoGenerator.Generate(options, line =>
            {
                events.Write(line);
                events.WriteByte((byte)'\n');
            }, progress);
        }
        // The exporter's order, so an imported demo exports to the same bytes.
        writer.WriteAccounts(data.Accounts);
        writer.WriteCampaigns(data.Campaigns.OrderBy(c => c.Id, StringComparer.Ordinal).ToList());
        writer.WriteContacts(data.Contacts);
        writer.WriteCosts(data.Costs.OrderBy(c => c.Month).ThenBy(c => c.CampaignId ?? "", StringComparer.Ordinal)
            .ThenBy(c => c.Channel, StringComparer.Ordinal).ThenBy(c => Storage.SnakeCase.Of(c.Category.ToString()), StringComparer.Ordinal).ToList());
        writer.WriteTransitions(data.Transitions.OrderBy(t => t.ContactId, StringComparer.Ordinal).ThenBy(t => t.At).ToList());
        writer.WriteDeals(data.Deals.OrderBy(d => d.Id, StringComparer.Ordinal).ToList());
        writer.WriteSubscriptions(data.Subscriptions.OrderBy(s => s.Id, StringComparer.Ordinal).ToList());
        writer.WriteNps(data.Nps.OrderBy(n => n.ContactId, StringComparer.Ordinal).ThenBy(n => n.RespondedAt).ToList());
        return data;
    }
}
