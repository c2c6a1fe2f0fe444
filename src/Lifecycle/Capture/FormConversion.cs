using System.Text.Json;
using Lifecycle.Storage;
using Microsoft.EntityFrameworkCore;

namespace Lifecycle.Capture;

/// <summary>Views and submissions of one form on one page, and their ratio.</summary>
public sealed record PageConversion(string Page, long Views, long Submissions, double? ConversionRate);

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

    /// <summary>The form's view and submission events in [from, to), with the page each happened on.</summary>
    public static async Task<List<(string Name, string Page)>> LoadAsync(LifecycleDb db, string formId, DateTime from, DateTime to, CancellationToken cancel)
    {
        // The payloads are written by Submissions (compact JSON), so the id's text narrows the scan on both engines;
        // the parsed form_id decides.
        var marker = $"\"form_id\":{JsonSerializer.Serialize(formId)}";
        var rows = await db.Events.AsNoTracking()
            .Where(e => (e.Name == Submissions.FormViewed || e.Name == Submissions.FormSubmitted) && e.Timestamp >= from && e.Timestamp < to)
            .Where(e => e.Payload.Contains(marker))
            .Select(e => new { e.Name, e.Payload })
            .ToListAsync(cancel);
        var events = new List<(string, string)>(rows.Count);
        foreach (var row in rows)
        {
            using var payload = JsonDocument.Parse(row.Payload);
            if (!payload.RootElement.TryGetProperty("properties", out var properties) || properties.ValueKind != JsonValueKind.Object) continue;
            if (!properties.TryGetProperty("form_id", out var id) || id.GetString() != formId) continue;
            var page = properties.TryGetProperty("page", out var p) && p.ValueKind == JsonValueKind.String ? p.GetString()! : "";
            events.Add((row.Name!, page));
        }
        return events;
    }
}
