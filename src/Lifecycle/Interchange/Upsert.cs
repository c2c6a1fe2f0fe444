using System.Data.Common;
using System.Text.Json;
using Dapper;
using Lifecycle.Campaigns;
using Lifecycle.Contacts;
using Lifecycle.Pipeline;
using Lifecycle.Storage;

namespace Lifecycle.Interchange;

/// <summary>
/// Writes imported rows by key without the change tracker: INSERT … ON CONFLICT (key) DO UPDATE, which SQLite
/// and PostgreSQL both understand, so one SQL text serves both engines.
/// </summary>
internal static class Upsert
{
    private static string Name<TEnum>(TEnum value) where TEnum : struct, Enum => SnakeCase.Of(value.ToString());
    private static string Json(Dictionary<string, string> custom) => JsonSerializer.Serialize(custom);

    public static Task AccountsAsync(DbConnection c, DbTransaction tx, IEnumerable<Account> rows) => c.ExecuteAsync("""
        INSERT INTO accounts (id, name, domain, industry, employees, country, owner, status, custom)
        VALUES (@Id, @Name, @Domain, @Industry, @Employees, @Country, @Owner, 'prospect', @Custom)
        ON CONFLICT (id) DO UPDATE SET name = excluded.name, domain = excluded.domain, industry = excluded.industry,
          employees = excluded.employees, country = excluded.country, owner = excluded.owner, custom = excluded.custom
        """, rows.Select(a => new { a.Id, a.Name, a.Domain, a.Industry, a.Employees, a.Country, a.Owner, Custom = Json(a.Custom) }), tx);

    public static Task CampaignsAsync(DbConnection c, DbTransaction tx, IEnumerable<Campaign> rows) => c.ExecuteAsync("""
        INSERT INTO campaigns (id, name, channel, audience, starts_on, ends_on, custom)
        VALUES (@Id, @Name, @Channel, @Audience, @StartsOn, @EndsOn, @Custom)
        ON CONFLICT (id) DO UPDATE SET name = excluded.name, channel = excluded.channel, audience = excluded.audience,
          starts_on = excluded.starts_on, ends_on = excluded.ends_on, custom = excluded.custom
        """, rows.Select(r => new { r.Id, r.Name, r.Channel, Audience = Name(r.Audience), r.StartsOn, r.EndsOn, Custom = Json(r.Custom) }), tx);

    /// <summary>Contacts keep their current status: only transitions change it.</summary>
    public static Task ContactsAsync(DbConnection c, DbTransaction tx, IEnumerable<Contact> rows) => c.ExecuteAsync("""
        INSERT INTO contacts (id, email, first_name, last_name, title, account_id, country, lead_source, campaign_id, created_at, birthday, consent, custom)
        VALUES (@Id, @Email, @FirstName, @LastName, @Title, @AccountId, @Country, @LeadSource, @CampaignId, @CreatedAt, @Birthday, @Consent, @Custom)
        ON CONFLICT (id) DO UPDATE SET email = excluded.email, first_name = excluded.first_name, last_name = excluded.last_name,
          title = excluded.title, account_id = excluded.account_id, country = excluded.country, lead_source = excluded.lead_source,
          campaign_id = excluded.campaign_id, created_at = excluded.created_at, birthday = excluded.birthday,
          consent = excluded.consent, custom = excluded.custom
        """, rows.Select(r => new
        {
            r.Id, r.Email, r.FirstName, r.LastName, r.Title, r.AccountId, r.Country, r.LeadSource, r.CampaignId,
            CreatedAt = Instant(c, r.CreatedAt), r.Birthday, r.Consent, Custom = Json(r.Custom),
        }), tx);

    /// <summary>Cost lines have no id of their own: the key is (month, campaign, channel, category).</summary>
    public static async Task CostsAsync(DbConnection c, DbTransaction tx, IEnumerable<CostLine> rows)
    {
        var existing = (await c.QueryAsync<(long Id, DateOnly Month, string? CampaignId, string Channel, string Category)>(
                "SELECT id, month, campaign_id, channel, category FROM cost_lines", transaction: tx))
            .ToDictionary(r => (r.Month, r.CampaignId, r.Channel, r.Category), r => r.Id);
        foreach (var row in rows)
        {
            var parameters = new { row.Month, row.CampaignId, row.Channel, Category = Name(row.Category), row.Amount };
            if (existing.TryGetValue((row.Month, row.CampaignId, row.Channel, Name(row.Category)), out var id))
                await c.ExecuteAsync("UPDATE cost_lines SET amount = @Amount WHERE id = @Id", new { row.Amount, Id = id }, tx);
            else
                await c.ExecuteAsync("INSERT INTO cost_lines (month, campaign_id, channel, category, amount) VALUES (@Month, @CampaignId, @Channel, @Category, @Amount)", parameters, tx);
        }
    }

    /// <summary>
    /// Transitions are history: new ones are added (a known (contact, at, status) is left as it is), then each
    /// touched contact's chain is re-derived — every transition's from is the one before it — and the contact's
    /// status becomes its latest transition's.
    /// </summary>
    public static async Task TransitionsAsync(DbConnection c, DbTransaction tx, List<Transition> rows)
    {
        if (rows.Count == 0) return;
        await c.ExecuteAsync("""
            INSERT INTO transitions (contact_id, to_status, at, reason, actor, campaign_id)
            VALUES (@ContactId, @ToStatus, @At, @Reason, @Actor, @CampaignId)
            ON CONFLICT (contact_id, at, to_status) DO NOTHING
            """, rows.Select(r => new { r.ContactId, ToStatus = r.ToStatus.ToName(), At = Instant(c, r.At), r.Reason, r.Actor, r.CampaignId }), tx);

        var touched = rows.Select(r => r.ContactId).ToHashSet(StringComparer.Ordinal);
        var chains = (await c.QueryAsync<(long Id, string ContactId, string? FromStatus, string ToStatus, DateTime At)>(
                "SELECT id, contact_id, from_status, to_status, at FROM transitions ORDER BY contact_id, at, id", transaction: tx))
            .Where(t => touched.Contains(t.ContactId))
            .GroupBy(t => t.ContactId);
        var fromUpdates = new List<object>();
        var statusUpdates = new List<object>();
        foreach (var chain in chains)
        {
            string? previous = null;
            foreach (var transition in chain)
            {
                if (transition.FromStatus != previous) fromUpdates.Add(new { transition.Id, From = previous });
                previous = transition.ToStatus;
            }
            statusUpdates.Add(new { Id = chain.Key, Status = previous });
        }
        await c.ExecuteAsync("UPDATE transitions SET from_status = @From WHERE id = @Id", fromUpdates, tx);
        await c.ExecuteAsync("UPDATE contacts SET status = @Status WHERE id = @Id", statusUpdates, tx);
    }

    public static Task DealsAsync(DbConnection c, DbTransaction tx, IEnumerable<Deal> rows) => c.ExecuteAsync("""
        INSERT INTO deals (id, account_id, contact_id, type, amount, created_at, closed_at, outcome, campaign_id, custom)
        VALUES (@Id, @AccountId, @ContactId, @Type, @Amount, @CreatedAt, @ClosedAt, @Outcome, @CampaignId, @Custom)
        ON CONFLICT (id) DO UPDATE SET account_id = excluded.account_id, contact_id = excluded.contact_id, type = excluded.type,
          amount = excluded.amount, created_at = excluded.created_at, closed_at = excluded.closed_at, outcome = excluded.outcome,
          campaign_id = excluded.campaign_id, custom = excluded.custom
        """, rows.Select(r => new
        {
            r.Id, r.AccountId, r.ContactId, Type = Name(r.Type), r.Amount, CreatedAt = Instant(c, r.CreatedAt),
            ClosedAt = r.ClosedAt is { } closed ? Instant(c, closed) : null, Outcome = Name(r.Outcome), r.CampaignId, Custom = Json(r.Custom),
        }), tx);

    public static Task SubscriptionsAsync(DbConnection c, DbTransaction tx, IEnumerable<Subscription> rows) => c.ExecuteAsync("""
        INSERT INTO subscriptions (id, account_id, mrr, starts_on, ends_on) VALUES (@Id, @AccountId, @Mrr, @StartsOn, @EndsOn)
        ON CONFLICT (id) DO UPDATE SET account_id = excluded.account_id, mrr = excluded.mrr, starts_on = excluded.starts_on, ends_on = excluded.ends_on
        """, rows, tx);

    public static Task NpsAsync(DbConnection c, DbTransaction tx, IEnumerable<NpsResponse> rows) => c.ExecuteAsync("""
        INSERT INTO nps_responses (contact_id, score, comment, responded_at) VALUES (@ContactId, @Score, @Comment, @RespondedAt)
        ON CONFLICT (contact_id, responded_at) DO UPDATE SET score = excluded.score, comment = excluded.comment
        """, rows.Select(r => new { r.ContactId, r.Score, r.Comment, RespondedAt = Instant(c, r.RespondedAt) }), tx);

    /// <summary>An account's status follows its deals and subscriptions (AccountStatusRule), as of now.</summary>
    public static async Task AccountStatusesAsync(DbConnection c, DbTransaction tx, IEnumerable<string> accountIds, DateTime now)
    {
        var touched = accountIds.ToHashSet(StringComparer.Ordinal);
        var deals = (await c.QueryAsync<(string Id, string AccountId, string Outcome, DateTime CreatedAt, DateTime? ClosedAt)>(
                "SELECT id, account_id, outcome, created_at, closed_at FROM deals", transaction: tx))
            .Where(d => touched.Contains(d.AccountId)).ToLookup(d => d.AccountId);
        var subscriptions = (await c.QueryAsync<(string Id, string AccountId, DateOnly StartsOn, DateOnly? EndsOn)>(
                "SELECT id, account_id, starts_on, ends_on FROM subscriptions", transaction: tx))
            .Where(s => touched.Contains(s.AccountId)).ToLookup(s => s.AccountId);
        var updates = touched.Select(id => new
        {
            Id = id,
            Status = Name(AccountStatusRule.At(now,
                deals[id].Select(d => new Deal { Id = d.Id, AccountId = id, Outcome = SnakeCase.TryParseEnum<DealOutcome>(d.Outcome, out var o) ? o : DealOutcome.Open, CreatedAt = Utc(d.CreatedAt), ClosedAt = d.ClosedAt is { } x ? Utc(x) : null }).ToList(),
                subscriptions[id].Select(s => new Subscription { Id = s.Id, AccountId = id, StartsOn = s.StartsOn, EndsOn = s.EndsOn }).ToList())),
        });
        await c.ExecuteAsync("UPDATE accounts SET status = @Status WHERE id = @Id", updates, tx);
    }

    private static DateTime Utc(DateTime value) => DateTime.SpecifyKind(value, DateTimeKind.Utc);

    /// <summary>SQLite gets EF Core's text form, so EF and raw SQL compare the same strings; PostgreSQL gets timestamptz.</summary>
    private static object Instant(DbConnection c, DateTime utc) =>
        c is Microsoft.Data.Sqlite.SqliteConnection ? Tracking.EventStore.SqliteInstant(utc) : DateTime.SpecifyKind(utc, DateTimeKind.Utc);
}
