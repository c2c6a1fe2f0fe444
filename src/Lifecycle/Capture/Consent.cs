using System.Data.Common;
using System.Security.Cryptography;
using System.Text;
using Lifecycle.Contacts;
using Dapper;
using Lifecycle.Storage;
using Lifecycle.Tracking;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Lifecycle.Capture;

/// <summary>
/// One consent fact, append-only: a contact granted or withdrew a purpose (e.g. <c>marketing_email</c>) at an
/// instant, having seen <see cref="Wording"/>, through a source (<c>form</c> with the form id, <c>import</c>,
/// <c>api</c>, <c>confirmation</c>, <c>erase</c>). The latest row per purpose is the contact's current consent.
/// </summary>
public sealed class Consent
{
    public long Id { get; set; }
    public required string ContactId { get; set; }
    public required string Purpose { get; set; }
    public bool Granted { get; set; }
    public string? Wording { get; set; }
    public DateTime At { get; set; }
    public required string Source { get; set; }
    public string? SourceId { get; set; }
}

/// <summary>A double opt-in waiting for the contact's click on its signed link (<see cref="ConfirmationLinks"/>).</summary>
public sealed class ConsentConfirmation
{
    public required string Id { get; set; }
    public required string ContactId { get; set; }
    public required string Purpose { get; set; }
    public required string Wording { get; set; }
    public string? FormId { get; set; }
    public DateTime RequestedAt { get; set; }
    public DateTime? ConfirmedAt { get; set; }
}

public static class Consents
{
    /// <summary>The purpose <see cref="Contact.Consent"/> caches.</summary>
    public const string MarketingEmail = "marketing_email";

    /// <summary>
    /// Appends a consent fact and keeps <see cref="Contact.Consent"/> (a cache of the latest marketing_email
    /// row) in step. The caller saves.
    /// </summary>
    public static Consent Record(LifecycleDb db, Contact contact, string purpose, bool granted, string? wording,
        DateTime at, string source, string? sourceId = null)
    {
        var consent = new Consent
        {
            ContactId = contact.Id, Purpose = purpose, Granted = granted, Wording = wording, At = at, Source = source, SourceId = sourceId,
        };
        db.Set<Consent>().Add(consent);
        if (purpose == MarketingEmail) contact.Consent = granted;
        return consent;
    }

    /// <summary>Each purpose's latest fact (by instant, then by insertion order).</summary>
    public static IReadOnlyDictionary<string, Consent> Current(IEnumerable<Consent> history) =>
        history.GroupBy(c => c.Purpose)
            .ToDictionary(g => g.Key, g => g.OrderBy(c => c.At).ThenBy(c => c.Id).Last());

    /// <summary>
    /// After an import wrote contacts.consent directly: records an <c>import</c> fact for every contact whose flag
    /// differs from its latest marketing_email fact (no fact counts as not granted), so the flag stays a cache of
    /// the facts. One set-based statement, the same SQL on both engines.
    /// </summary>
    public static Task RecordImportedAsync(DbConnection connection, DbTransaction transaction, DateTime now) =>
        connection.ExecuteAsync("""
            INSERT INTO consents (contact_id, purpose, granted, wording, at, source, source_id)
            SELECT c.id, @Purpose, c.consent, NULL, @At, 'import', NULL
            FROM contacts c
            WHERE c.consent <> COALESCE((SELECT k.granted FROM consents k WHERE k.contact_id = c.id AND k.purpose = @Purpose
                                         ORDER BY k.at DESC, k.id DESC LIMIT 1), FALSE)
            """,
            new { Purpose = MarketingEmail, At = connection is SqliteConnection ? EventStore.SqliteInstant(now) : (object)now },
            transaction);

    /// <summary>When two contacts merge, the consent facts, pending confirmations and owner notifications go along.</summary>
    public static async Task MoveAsync(LifecycleDb db, string fromId, string intoId, CancellationToken cancel)
    {
        await db.Set<Consent>().Where(c => c.ContactId == fromId).ExecuteUpdateAsync(u => u.SetProperty(c => c.ContactId, intoId), cancel);
        await db.Set<ConsentConfirmation>().Where(c => c.ContactId == fromId).ExecuteUpdateAsync(u => u.SetProperty(c => c.ContactId, intoId), cancel);
        await db.Set<FormNotification>().Where(n => n.ContactId == fromId).ExecuteUpdateAsync(u => u.SetProperty(n => n.ContactId, intoId), cancel);
    }

    /// <summary>A pending double opt-in; the contact becomes mailable for the purpose only once it is confirmed.</summary>
    public static ConsentConfirmation RequestConfirmation(LifecycleDb db, Contact contact, FormConsent consent, string? formId, DateTime at)
    {
        var pending = new ConsentConfirmation
        {
            Id = "cnf_" + Guid.NewGuid().ToString("N")[..20], ContactId = contact.Id, Purpose = consent.Purpose, Wording = consent.Wording,
            FormId = formId, RequestedAt = at,
        };
        db.Set<ConsentConfirmation>().Add(pending);
        return pending;
    }
}

/// <summary>
/// Signs double opt-in links: HMAC-SHA256 of the confirmation id under <c>Lifecycle:SigningKey</c>, so the
/// mailer can build a link from a stored confirmation and nobody can forge one. Every server process of one
/// installation needs the same key; without one configured, a key lives only as long as the process.
/// </summary>
public sealed class ConfirmationLinks(byte[] key)
{
    public static ConfirmationLinks FromConfiguration(string? configuredKey) =>
        new(string.IsNullOrEmpty(configuredKey) ? RandomNumberGenerator.GetBytes(32) : Encoding.UTF8.GetBytes(configuredKey));

    public string Signature(string confirmationId) =>
        Convert.ToHexStringLower(HMACSHA256.HashData(key, Encoding.UTF8.GetBytes("consent-confirmation:" + confirmationId)));

    public bool Verify(string confirmationId, string? signature) =>
        signature is { Length: 64 } &&
        CryptographicOperations.FixedTimeEquals(Encoding.ASCII.GetBytes(Signature(confirmationId)), Encoding.ASCII.GetBytes(signature));

    public string Url(string origin, string confirmationId) => $"{origin.TrimEnd('/')}/f/confirm/{confirmationId}?sig={Signature(confirmationId)}";
}

internal sealed class ConsentConfiguration : IEntityTypeConfiguration<Consent>
{
    public void Configure(EntityTypeBuilder<Consent> e)
    {
        e.ToTable("consents");
        e.HasIndex(c => new { c.ContactId, c.Purpose, c.At });
    }
}

internal sealed class ConsentConfirmationConfiguration : IEntityTypeConfiguration<ConsentConfirmation>
{
    public void Configure(EntityTypeBuilder<ConsentConfirmation> e)
    {
        e.ToTable("consent_confirmations");
        e.Property(c => c.Id).HasMaxLength(40);
        e.HasIndex(c => c.ContactId);
    }
}
