using Lifecycle.Pipeline;

namespace Lifecycle.Contacts;

/// <summary>
/// An account's status at an instant, from its deals and subscriptions (lifecycle.md §3, "Customers are
/// accounts"): a customer while a subscription is active, or, with no subscriptions at all, from its first won
/// deal on; churned once it was a customer and is no longer; opportunity with an open deal; else prospect.
/// </summary>
public static class AccountStatusRule
{
    public static AccountStatus At(DateTime instant, IReadOnlyCollection<Deal> deals, IReadOnlyCollection<Subscription> subscriptions)
    {
        var day = DateOnly.FromDateTime(instant);
        if (subscriptions.Count > 0)
        {
            if (subscriptions.Any(s => s.StartsOn <= day && (s.EndsOn is null || day < s.EndsOn))) return AccountStatus.Customer;
            if (subscriptions.Any(s => s.StartsOn <= day)) return AccountStatus.Churned;
        }
        else if (deals.Any(d => d.Outcome == DealOutcome.Won && d.ClosedAt <= instant))
        {
            return AccountStatus.Customer;
        }
        return deals.Any(d => d.CreatedAt <= instant && (d.Outcome == DealOutcome.Open || d.ClosedAt > instant))
            ? AccountStatus.Opportunity
            : AccountStatus.Prospect;
    }
}
