using System.Globalization;
using Lifecycle.Contacts;

namespace Lifecycle.Scoring;

/// <summary>A status change the scores call for: the target, the rule it cites (actor rule:&lt;name&gt;) and why.</summary>
public sealed record ScoreTransition(ContactStatus To, string Rule, string Reason)
{
    public string Actor => "rule:" + Rule;
}

/// <summary>
/// The lifecycle rules of lifecycle.md §1 that run on scores and events, pure. Evaluated after each scored event,
/// at the event's instant:
/// - `hand_raiser`: a hand-raiser event moves inquiry or lead to mql (a demo request skips ahead);
/// - `mql_threshold`: a lead whose total score (fit + decayed engagement) reaches the threshold becomes mql;
/// - `reopened_hand_raiser`: a hand-raiser event reopens a recycled contact as a lead;
/// - `reopened_engagement`: a recycled contact reopens as a lead when the engagement points it earned within the
///   last N days (default 14), counting only points earned after it was recycled, reach the reopen points
///   (default 20). Points are counted as awarded (not decayed): "rises by 20" is about new activity.
/// An event that happened more than <see cref="Grace"/> before the contact entered its current status moves
/// nothing: that history is already told by the transitions (an imported journey, an old demo request of a lead
/// that was recycled and reopened since). The grace lets a demo request made just before the identify that
/// created the contact still count.
/// </summary>
public static class ScoreStatusRules
{
    public static readonly TimeSpan Grace = TimeSpan.FromHours(1);

    public static ScoreTransition? Decide(ScoringModel model, ContactStatus? status, DateTime? statusSince, ScoredEvent e,
        IReadOnlyList<ScoreChange> changes)
    {
        if (statusSince is { } entered && e.At < entered - Grace) return null;
        var handRaiser = e.Name is { } name && model.HandRaisers.Contains(name, StringComparer.OrdinalIgnoreCase);
        switch (status)
        {
            case ContactStatus.Inquiry or ContactStatus.Lead when handRaiser:
                return new(ContactStatus.Mql, "hand_raiser", $"hand-raiser event '{e.Name}' ({e.MessageId})");
            case ContactStatus.Lead:
                var score = Scorer.ScoreAt(changes, e.At);
                return score.Total >= model.MqlThreshold
                    ? new(ContactStatus.Mql, "mql_threshold",
                        $"score {Number(score.Total)} (fit {Number(score.Fit)} + engagement {Number(score.Engagement)}) reached the MQL threshold {model.MqlThreshold} with '{e.Name}' ({e.MessageId})")
                    : null;
            case ContactStatus.Recycled when handRaiser:
                return new(ContactStatus.Lead, "reopened_hand_raiser", $"hand-raiser event '{e.Name}' ({e.MessageId}) after being recycled");
            case ContactStatus.Recycled:
                var since = e.At.AddDays(-model.ReopenWithinDays);
                if (statusSince > since) since = statusSince.Value;
                var earned = changes.Where(c => c.Kind == ScoreKind.Engagement && c.At > since && c.At <= e.At).Sum(c => c.Points);
                return earned >= model.ReopenPoints
                    ? new(ContactStatus.Lead, "reopened_engagement",
                        $"engagement rose by {earned} within {model.ReopenWithinDays} days (reopen at {model.ReopenPoints}) with '{e.Name}' ({e.MessageId})")
                    : null;
            default:
                return null;
        }
    }

    private static string Number(double value) => Math.Round(value, 2).ToString(CultureInfo.InvariantCulture);
}
