using Lifecycle.Contacts;
using static Lifecycle.Contacts.ContactStatus;

namespace Lifecycle.Tests.Contacts;

public class StatusRulesTests
{
    [Theory]
    [InlineData(Inquiry, Lead, "selected_for_marketing")]
    [InlineData(Lead, Mql, "qualified_by_marketing")]
    [InlineData(Inquiry, Mql, "qualified_by_marketing")] // a demo request makes an inquiry an MQL
    [InlineData(Mql, Sal, "accepted_by_sales")]
    [InlineData(Sal, Sql, "qualified_by_sales")]
    [InlineData(Sql, Opportunity, "deal_created")]
    [InlineData(Opportunity, Customer, "deal_won")]
    [InlineData(Recycled, Lead, "reopened")]
    [InlineData(Opportunity, Recycled, "deal_lost")]
    [InlineData(Customer, Churned, "churned")]
    [InlineData(Churned, Customer, "win_back")]
    [InlineData(Disqualified, Lead, "reopened_by_hand")]
    public void Spec_transitions_are_allowed_under_their_rule(ContactStatus from, ContactStatus to, string rule)
    {
        var decision = StatusRules.Decide(from, to, reason: "because");
        Assert.True(decision.Allowed, decision.Refusal);
        Assert.Equal(rule, decision.Rule);
    }

    [Theory]
    [InlineData(Mql)]
    [InlineData(Sal)]
    public void Sales_rejecting_as_not_ready_recycles(ContactStatus from)
    {
        var decision = StatusRules.Decide(from, Recycled, "not ready");
        Assert.Equal("rejected_not_ready", decision.Rule);
    }

    [Theory]
    [InlineData(Sql, Lead)]
    [InlineData(Customer, Mql)]
    [InlineData(Lead, Recycled)]
    [InlineData(Churned, Disqualified)]
    [InlineData(Recycled, Customer)]
    [InlineData(Inquiry, Churned)]
    public void Moves_the_rules_do_not_name_are_refused_with_the_allowed_targets(ContactStatus from, ContactStatus to)
    {
        var decision = StatusRules.Decide(from, to, "reason");
        Assert.False(decision.Allowed);
        Assert.Contains($"{from.ToName()} -> {to.ToName()} is not a lifecycle transition", decision.Refusal);
    }

    [Fact]
    public void Staying_in_the_same_status_is_refused()
    {
        Assert.Equal("the contact is already mql", StatusRules.Decide(Mql, Mql, null).Refusal);
    }

    [Theory]
    [InlineData(Recycled)]
    [InlineData(Disqualified)]
    public void Recycling_and_disqualifying_need_a_reason(ContactStatus to)
    {
        var decision = StatusRules.Decide(Mql, to, " ");
        Assert.False(decision.Allowed);
        Assert.StartsWith($"a change to {to.ToName()} needs a reason", decision.Refusal);
    }

    [Fact]
    public void A_new_contact_may_start_in_any_status()
    {
        Assert.All(Enum.GetValues<ContactStatus>(), s => Assert.True(StatusRules.Decide(null, s, "r").Allowed));
    }
}
