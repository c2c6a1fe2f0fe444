using System.Text.Json;
using Lifecycle.Storage;
using Microsoft.EntityFrameworkCore;

namespace Lifecycle.Capture;

/// <summary>Views and submissions of one form on one page, and their ratio.</summary>
public sealed record PageConversion(string Page, long Views, long Submissions, double? ConversionRate);

/// <summary>A `Form Viewed` or `Form Submitted` event of a form on a page, with the offer variant shown (offer tests) and the visitor.</summary>
public sealed record FormEventFact(string FormId, string Name, string Page, DateTime At, string? Variant = null, string? AnonymousId = null);

public sealed record FormConversionReport(string FormId, DateTime From, DateTime To, long Views, long Submissions, double? ConversionRate,
    IReadOnlyList<PageConversion> Pages);

/// <summary>
/// `capture.form_conversion_rate` (lifecycle.md §2): per form, submissions / views of the page holding it, per
/// page and over all its pages. Pure. A page with no views has no rate (null), not zero.
/// </summary>
public static class FormConversion
{
    public static FormConversionReport Compute(string formId, DateTime from, DateTime to, IEnumerable<(string Name, string Page)> events)
    {
        var pages = events
            .GroupBy(e => e.Page, StringComparer.Ordinal)
            .Select(g =>
            {
                long views = g.Count(e => e.Name == Submissions.FormViewed), submissions = g.Count(e => e.Name == Submissions.FormSubmitted);
                return new PageConversion(g.Key, views, submissions, Rate(submissions, views));
            })
            .OrderBy(p => p.Page, StringComparer.Ordinal)
            .ToList();
        long totalViews = pages.Sum(p => p.Views), totalSubmissions = pages.Sum(p => p.Submissions);
        return new FormConversionReport(formId, from, to, totalViews, totalSubmissions, Rate(totalSubmissions, totalViews), pages);
    }

    private static double? Rate(long submissions, long views) => views == 0 ? null : (double)submissions / views;

    /// <summary>
    /// One form's view and submission events, in [from, to) when given, with the page, the offer variant shown and the
    /// visitor's anonymous id (the conversion report and the offer test both read them).
    /// </summary>
    public static async Task<List<FormEventFact>> LoadAsync(LifecycleDb db, string formId, DateTime? from, DateTime? to, CancellationToken cancel)
    {
        // The payloads are written by Submissions (compact JSON), so the id's text narrows the scan on both engines;
        // the parsed form_id decides.
        var marker = $"\"form_id\":{JsonSerializer.Serialize(formId)}";
        var events = db.Events.AsNoTracking()
            .Where(e => (e.Name == Submissions.FormViewed || e.Name == Submissions.FormSubmitted) && e.Payload.Contains(marker));
        if (from is { } start) events = events.Where(e => e.Timestamp >= start);
        if (to is { } end) events = events.Where(e => e.Timestamp < end);
        var rows = await events.Select(e => new { e.Name, e.Timestamp, e.AnonymousId, e.Payload }).ToListAsync(cancel);
        return rows.Select(r => Read(r.Name!, r.Timestamp, r.AnonymousId, r.Payload)).Where(e => e?.FormId == formId).Select(e => e!).ToList();
    }

    /// <summary>Every form's view and submission events in [from, to) known at <paramref name="now"/> (the report catalog's facts).</summary>
    public static async Task<List<FormEventFact>> LoadAllAsync(LifecycleDb db, DateTime from, DateTime to, DateTime now, CancellationToken cancel)
    {
        var rows = await db.Events.AsNoTracking()
            .Where(e => (e.Name == Submissions.FormViewed || e.Name == Submissions.FormSubmitted) && e.Timestamp >= from && e.Timestamp < to && e.Timestamp <= now)
            .Select(e => new { e.Name, e.Timestamp, e.AnonymousId, e.Payload })
            .ToListAsync(cancel);
        return rows.Select(r => Read(r.Name!, r.Timestamp, r.AnonymousId, r.Payload)).OfType<FormEventFact>().ToList();
    }

    /// <summary>The form, page and offer variant of a form event; null when its properties name no form.</summary>
    private static FormEventFact? Read(string name, DateTime at, string? anonymousId, string payload)
    {
        using var document = JsonDocument.Parse(payload);
        if (!document.RootElement.TryGetProperty("properties", out var properties) || properties.ValueKind != JsonValueKind.Object) return null;
        if (!properties.TryGetProperty("form_id", out var id) || id.ValueKind != JsonValueKind.String) return null;
        var page = properties.TryGetProperty("page", out var p) && p.ValueKind == JsonValueKind.String ? p.GetString()! : "";
        var variant = properties.TryGetProperty("variant", out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;
        return new FormEventFact(id.GetString()!, name, page, at, variant, anonymousId);
    }
}
