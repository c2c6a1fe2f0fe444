using System.Collections.Frozen;
using System.Text.Json;
using Lifecycle.Access;
using Lifecycle.Campaigns;
using Lifecycle.Contacts;
using Lifecycle.Pipeline;
using Lifecycle.Tracking;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.ChangeTracking;
using Microsoft.EntityFrameworkCore.Storage.ValueConversion;

namespace Lifecycle.Storage;

/// <summary>
/// The one relational model, provider-neutral. Each engine has a subclass only so that its migrations
/// live apart (Storage/Migrations/Sqlite, Storage/Migrations/Postgres). Tables and columns are snake_case so
/// hand-written report SQL reads the same on both engines.
/// </summary>
public abstract class LifecycleDb(DbContextOptions options) : DbContext(options)
{
    public DbSet<Account> Accounts => Set<Account>();
    public DbSet<Contact> Contacts => Set<Contact>();
    public DbSet<Transition> Transitions => Set<Transition>();
    public DbSet<Campaign> Campaigns => Set<Campaign>();
    public DbSet<CostLine> CostLines => Set<CostLine>();
    public DbSet<Deal> Deals => Set<Deal>();
    public DbSet<Subscription> Subscriptions => Set<Subscription>();
    public DbSet<NpsResponse> NpsResponses => Set<NpsResponse>();
    public DbSet<TrackedEvent> Events => Set<TrackedEvent>();
    public DbSet<ApiKey> ApiKeys => Set<ApiKey>();
    public DbSet<Identity> Identities => Set<Identity>();

    public abstract DatabaseEngine Engine { get; }

    /// <summary>Another context on the same database, for reads that run beside this one's (a context runs one query
    /// at a time). The caller disposes it.</summary>
    public abstract LifecycleDb OpenSibling();

    /// <summary>See <see cref="Database.WorkspaceZone"/>.</summary>
    public TimeZoneInfo WorkspaceZone { get; init; } = TimeZoneInfo.Utc;

    protected override void ConfigureConventions(ModelConfigurationBuilder conventions)
    {
        conventions.Properties<DateTime>().HaveConversion<UtcDateTimeConverter>();
        conventions.Properties<DateTime?>().HaveConversion<UtcDateTimeConverter>();
        conventions.Properties<decimal>().HavePrecision(18, 4);
        conventions.Properties<ContactStatus>().HaveConversion<SnakeCaseEnumConverter<ContactStatus>>();
        conventions.Properties<AccountStatus>().HaveConversion<SnakeCaseEnumConverter<AccountStatus>>();
        conventions.Properties<Audience>().HaveConversion<SnakeCaseEnumConverter<Audience>>();
        conventions.Properties<CostCategory>().HaveConversion<SnakeCaseEnumConverter<CostCategory>>();
        conventions.Properties<DealType>().HaveConversion<SnakeCaseEnumConverter<DealType>>();
        conventions.Properties<DealOutcome>().HaveConversion<SnakeCaseEnumConverter<DealOutcome>>();
        conventions.Properties<ApiKeyKind>().HaveConversion<SnakeCaseEnumConverter<ApiKeyKind>>();
        conventions.Properties<IdentityKind>().HaveConversion<SnakeCaseEnumConverter<IdentityKind>>();
        conventions.Properties<TimestampFlag>().HaveConversion<SnakeCaseEnumConverter<TimestampFlag>>();
    }

    protected override void OnModelCreating(ModelBuilder model)
    {
        model.Entity<Account>(e =>
        {
            e.ToTable("accounts");
            e.Property(a => a.Id).HasMaxLength(200);
            e.Property(a => a.Custom).HasCustomFields();
        });
        model.Entity<Contact>(e =>
        {
            e.ToTable("contacts");
            e.Property(c => c.Id).HasMaxLength(200);
            e.HasIndex(c => c.Email).IsUnique();
            e.HasIndex(c => c.AccountId);
            e.HasIndex(c => c.Status);
            e.Property(c => c.Custom).HasCustomFields();
        });
        model.Entity<Transition>(e =>
        {
            e.ToTable("transitions");
            e.HasIndex(t => new { t.ContactId, t.At, t.ToStatus }).IsUnique();
            e.HasIndex(t => new { t.ToStatus, t.At });
            e.HasIndex(t => new { t.At, t.ContactId }); // a report's period: which contacts moved in it, without reading every history
        });
        model.Entity<Campaign>(e =>
        {
            e.ToTable("campaigns");
            e.Property(c => c.Id).HasMaxLength(200);
            e.Property(c => c.Custom).HasCustomFields();
        });
        model.Entity<CostLine>(e =>
        {
            e.ToTable("cost_lines");
            e.HasIndex(c => new { c.Month, c.CampaignId, c.Channel, c.Category });
        });
        model.Entity<Deal>(e =>
        {
            e.ToTable("deals");
            e.Property(d => d.Id).HasMaxLength(200);
            e.HasIndex(d => d.AccountId);
            e.HasIndex(d => d.ClosedAt);
            e.Property(d => d.Custom).HasCustomFields();
        });
        model.Entity<Subscription>(e =>
        {
            e.ToTable("subscriptions");
            e.Property(s => s.Id).HasMaxLength(200);
            e.HasIndex(s => s.AccountId);
        });
        model.Entity<NpsResponse>(e =>
        {
            e.ToTable("nps_responses");
            e.HasIndex(n => new { n.ContactId, n.RespondedAt }).IsUnique();
            e.HasIndex(n => n.RespondedAt);
            e.Property(n => n.SurveyId).HasMaxLength(40);
            e.HasIndex(n => new { n.ContactId, n.SurveyId }).IsUnique();
        });
        model.Entity<TrackedEvent>(e =>
        {
            e.ToTable("events");
            e.HasKey(t => t.MessageId);
            e.Property(t => t.MessageId).HasMaxLength(200);
            e.HasIndex(t => new { t.ContactId, t.Timestamp });
            e.HasIndex(t => new { t.Name, t.Timestamp });
            e.HasIndex(t => t.AnonymousId);
            // The order the scoring worker and program triggers read new events in (EventArrivals).
            e.HasIndex(t => new { t.ReceivedAt, t.MessageId });
            // Page views of a user id not yet tied to a contact: a visitor the traffic projection re-derives, found
            // when an identify attaches them. Partial, so every other event pays nothing.
            e.HasIndex(t => t.UserId).HasFilter("name = 'Page Viewed' AND contact_id IS NULL AND user_id IS NOT NULL");
            e.Property(t => t.Flag).HasDefaultValue(TimestampFlag.None).HasSentinel(TimestampFlag.None);
        });
        model.Entity<Identity>(e =>
        {
            e.ToTable("identities");
            e.HasKey(i => new { i.Kind, i.Value });
            e.HasIndex(i => i.ContactId);
        });
        model.Entity<ApiKey>(e =>
        {
            e.ToTable("api_keys");
            e.HasIndex(k => k.Hash).IsUnique();
        });

        // Capabilities added later configure their own tables next to their code (IEntityTypeConfiguration<T>).
        model.ApplyConfigurationsFromAssembly(typeof(LifecycleDb).Assembly);

        foreach (var entity in model.Model.GetEntityTypes())
        {
            foreach (var property in entity.GetProperties())
                property.SetColumnName(SnakeCase.Of(property.Name));
            foreach (var index in entity.GetIndexes())
                index.SetDatabaseName($"ix_{entity.GetTableName()}_{string.Join("_", index.Properties.Select(p => SnakeCase.Of(p.Name)))}");
            var key = entity.FindPrimaryKey();
            key?.SetName($"pk_{entity.GetTableName()}");
        }
    }
}

public enum DatabaseEngine { Sqlite, Postgres }

public sealed class SqliteLifecycleDb(DbContextOptions<SqliteLifecycleDb> options) : LifecycleDb(options)
{
    public override DatabaseEngine Engine => DatabaseEngine.Sqlite;
    public override LifecycleDb OpenSibling() => new SqliteLifecycleDb(options) { WorkspaceZone = WorkspaceZone };
}

public sealed class PostgresLifecycleDb(DbContextOptions<PostgresLifecycleDb> options) : LifecycleDb(options)
{
    public override DatabaseEngine Engine => DatabaseEngine.Postgres;
    public override LifecycleDb OpenSibling() => new PostgresLifecycleDb(options) { WorkspaceZone = WorkspaceZone };
}

/// <summary>Instants are UTC everywhere; SQLite hands them back unspecified, so the kind is restored on read.</summary>
internal sealed class UtcDateTimeConverter() : ValueConverter<DateTime, DateTime>(
    v => v.Kind == DateTimeKind.Utc ? v : v.Kind == DateTimeKind.Local ? v.ToUniversalTime() : DateTime.SpecifyKind(v, DateTimeKind.Utc),
    v => DateTime.SpecifyKind(v, DateTimeKind.Utc));

internal sealed class SnakeCaseEnumConverter<TEnum>() : ValueConverter<TEnum, string>(
    v => SnakeCaseNames<TEnum>.Name(v),
    v => SnakeCaseNames<TEnum>.Parse(v))
    where TEnum : struct, Enum;

/// <summary>An enum's stored names, looked up rather than built or parsed on each of a report's million rows.</summary>
internal static class SnakeCaseNames<TEnum> where TEnum : struct, Enum
{
    private static readonly FrozenDictionary<TEnum, string> Names =
        Enum.GetValues<TEnum>().ToFrozenDictionary(v => v, v => SnakeCase.Of(v.ToString()));
    private static readonly FrozenDictionary<string, TEnum> Values =
        Names.ToFrozenDictionary(n => n.Value, n => n.Key, StringComparer.Ordinal);

    public static string Name(TEnum value) => Names.TryGetValue(value, out var name) ? name : SnakeCase.Of(value.ToString());

    public static TEnum Parse(string text) => Values.TryGetValue(text, out var value) ? value : Enum.Parse<TEnum>(text.Replace("_", ""), true);
}

public static class SnakeCase
{
    public static string Of(string name)
    {
        var builder = new System.Text.StringBuilder(name.Length + 4);
        for (var i = 0; i < name.Length; i++)
        {
            var c = name[i];
            if (char.IsUpper(c) && i > 0) builder.Append('_');
            builder.Append(char.ToLowerInvariant(c));
        }
        return builder.ToString();
    }

    /// <summary>Parses a snake_case name (<c>cross_sell</c>) into its enum value; false for anything else.</summary>
    public static bool TryParseEnum<TEnum>(string? text, out TEnum value) where TEnum : struct, Enum
    {
        value = default;
        if (string.IsNullOrWhiteSpace(text)) return false;
        foreach (var candidate in Enum.GetValues<TEnum>())
        {
            if (Of(candidate.ToString()) == text.Trim().ToLowerInvariant()) { value = candidate; return true; }
        }
        return false;
    }
}

internal static class CustomFieldMapping
{
    private static readonly JsonSerializerOptions Json = new();

    /// <summary>Custom fields (the extra columns of an import) are one JSON object column.</summary>
    public static void HasCustomFields(this Microsoft.EntityFrameworkCore.Metadata.Builders.PropertyBuilder<Dictionary<string, string>> property) =>
        property.HasConversion(
                v => JsonSerializer.Serialize(v, Json),
                v => JsonSerializer.Deserialize<Dictionary<string, string>>(v, Json) ?? new Dictionary<string, string>(),
                new ValueComparer<Dictionary<string, string>>(
                    (a, b) => a!.Count == b!.Count && !a.Except(b).Any(),
                    v => v.Aggregate(0, (h, kv) => HashCode.Combine(h, kv.Key, kv.Value)),
                    v => new Dictionary<string, string>(v)))
            .HasColumnName("custom")
            .IsRequired();
}
