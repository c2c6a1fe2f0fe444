using Lifecycle.Pipeline;

namespace Lifecycle.Tests.Pipeline;

public class AssignmentTests
{
    private static readonly Assignee[] Users = [new(3, true), new(5, false), new(7, true), new(9, true)];
    private static readonly Dictionary<string, long> Territories = new() { ["DE"] = 5, ["JP"] = 42 };

    [Fact]
    public void The_account_owner_comes_first_even_when_not_in_sales() =>
        Assert.Equal(new AssignmentDecision(5, Assignment.AccountOwner), Assignment.Choose(5, "JP", Territories, Users, null));

    [Fact]
    public void A_disabled_or_unknown_account_owner_falls_through_to_the_territory() =>
        Assert.Equal(new AssignmentDecision(5, Assignment.Territory), Assignment.Choose(11, " de ", Territories, Users, null));

    [Fact]
    public void A_territory_whose_owner_is_not_active_falls_through_to_rotation() =>
        // JP belongs to user 42, who is not among the active users: rotation starts at the lowest sales id, 3.
        Assert.Equal(new AssignmentDecision(3, Assignment.RoundRobin), Assignment.Choose(null, "JP", Territories, Users, null));

    [Fact]
    public void Rotation_cycles_through_sales_users_in_id_order_and_skips_other_roles()
    {
        // Sales users are 3, 7, 9 (5 is marketing). After 3 comes 7, after 7 comes 9, after 9 wraps to 3;
        // after 5 (a former rotation member) comes the next id above it, 7.
        long?[] last = [3, 7, 9, 5];
        long[] expected = [7, 9, 3, 7];
        for (var i = 0; i < last.Length; i++)
            Assert.Equal(new AssignmentDecision(expected[i], Assignment.RoundRobin), Assignment.Choose(null, "FR", Territories, Users, last[i]));
    }

    [Fact]
    public void Without_sales_users_the_MQL_stays_unassigned() =>
        Assert.Equal(new AssignmentDecision(null, Assignment.Unassigned), Assignment.Choose(null, null, Territories, [new Assignee(5, false)], null));
}
