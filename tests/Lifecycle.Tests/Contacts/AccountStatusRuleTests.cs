using Lifecycle.Contacts;
using Lifecycle.Pipeline;

namespace Lifecycle.Tests.Contacts;

public class AccountStatusRuleTests
{
    private static readonly DateTime Jan = new(2026, 1, 15, 0, 0, 0, DateTimeKind.Utc);

    private static Deal Deal(DealOutcome outcome, DateTime created, DateTime? closed) =>
        new() { Id = "d", AccountId = "a", Outcome = outcome, CreatedAt = created, ClosedAt = closed, Amount = 1 };

    [Fact]
    public void Without_subscriptions_an_account_is_a_customer_from_its_first_won_deal()
    {
        Deal[] deals = [Deal(DealOutcome.Won, Jan, Jan.AddDays(10))];
        Assert.Equal(AccountStatus.Opportunity, AccountStatusRule.At(Jan.AddDays(5), deals, []));
        Assert.Equal(AccountStatus.Customer, AccountStatusRule.At(Jan.AddDays(10), deals, []));
        Assert.Equal(AccountStatus.Prospect, AccountStatusRule.At(Jan.AddDays(-1), deals, []));
    }

    [Fact]
    public void With_subscriptions_the_active_one_decides_and_an_ended_one_means_churned()
    {
        Subscription[] subscriptions =
        [
            new() { Id = "s", AccountId = "a", Mrr = 100, StartsOn = new DateOnly(2026, 2, 1), EndsOn = new DateOnly(2026, 6, 1) },
        ];
        Deal[] deals = [Deal(DealOutcome.Won, Jan, Jan.AddDays(10))];
        Assert.Equal(AccountStatus.Customer, AccountStatusRule.At(new DateTime(2026, 5, 31, 23, 0, 0, DateTimeKind.Utc), deals, subscriptions));
        Assert.Equal(AccountStatus.Churned, AccountStatusRule.At(new DateTime(2026, 6, 1, 0, 0, 0, DateTimeKind.Utc), deals, subscriptions));
        // Won but the subscription has not started: subscriptions decide, and none is active yet.
        Assert.Equal(AccountStatus.Prospect, AccountStatusRule.At(Jan.AddDays(12), deals, subscriptions));
    }
}
