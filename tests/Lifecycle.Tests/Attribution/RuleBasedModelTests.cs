using Lifecycle.Attribution;

namespace Lifecycle.Tests.Attribution;

/// <summary>The rule-based models of lifecycle.md §6 on journeys small enough to credit by hand.</summary>
public class RuleBasedModelTests
{
    private static readonly DateTimeOffset Start = new(2026, 3, 1, 0, 0, 0, TimeSpan.Zero);
    private static DateTimeOffset Day(double day) => Start.AddDays(day);

    /// <summary>Touch i on day i (1-based), channel "c{i}", campaign "k{i}"; the conversion on day 10, value 1000.</summary>
    private static Journey Journey(int touches, KeyInstants? keys = null) =>
        new(Enumerable.Range(1, touches).Select(i => new Touchpoint(Day(i), $"c{i}", $"k{i}")), new Conversion(Day(10), 1000), keys);

    private static double[] Shares(AttributionModel model, Journey journey, double halfLifeDays = 7) =>
        TouchShares.For(model, journey, TimeSpan.FromDays(halfLifeDays));

    private static void Equal(double[] expected, double[] actual)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (var i = 0; i < expected.Length; i++) Assert.Equal(expected[i], actual[i], 12);
    }

    [Fact]
    public void First_last_and_linear_credit_the_first_the_last_and_every_touch_equally()
    {
        var journey = Journey(4);
        Equal([1, 0, 0, 0], Shares(AttributionModel.FirstTouch, journey));
        Equal([0, 0, 0, 1], Shares(AttributionModel.LastTouch, journey));
        Equal([0.25, 0.25, 0.25, 0.25], Shares(AttributionModel.Linear, journey));
    }

    [Fact]
    public void Touches_are_taken_in_time_order_whatever_order_they_arrive_in()
    {
        var journey = new Journey([new Touchpoint(Day(3), "late"), new Touchpoint(Day(1), "early")], new Conversion(Day(4), 1));
        Assert.Equal("early", journey.Touchpoints[0].Channel);
        Equal([1, 0], Shares(AttributionModel.FirstTouch, journey));
    }

    [Fact]
    public void U_shaped_gives_40_to_the_first_touch_40_to_the_lead_creation_touch_and_spreads_20_over_the_rest()
    {
        // Lead created on day 3.5: the latest touch at or before it is touch 3. Rest: touches 2, 4, 5 get 0.2 / 3.
        var journey = Journey(5, new KeyInstants(LeadCreated: Day(3.5)));
        Equal([0.4, 0.2 / 3, 0.4, 0.2 / 3, 0.2 / 3], Shares(AttributionModel.UShaped, journey));
    }

    [Fact]
    public void U_shaped_with_both_roles_on_the_first_touch_gives_it_both_shares()
    {
        // Lead created on day 1.5: touch 1 is first and lead-creation touch, 0.8; touches 2 and 3 share 0.2.
        Equal([0.8, 0.1, 0.1], Shares(AttributionModel.UShaped, Journey(3, new KeyInstants(LeadCreated: Day(1.5)))));
    }

    [Fact]
    public void U_shaped_with_no_touch_outside_the_key_roles_spreads_the_rest_over_the_key_touches()
    {
        // §6: two distinct touches under U get 50% each; one touch gets 100%.
        Equal([0.5, 0.5], Shares(AttributionModel.UShaped, Journey(2, new KeyInstants(LeadCreated: Day(2)))));
        Equal([1], Shares(AttributionModel.UShaped, Journey(1, new KeyInstants(LeadCreated: Day(5)))));
    }

    [Fact]
    public void A_key_role_without_a_touch_adds_its_share_to_the_rest()
    {
        // Lead creation unknown: first touch 0.4, and 0.2 + 0.4 = 0.6 over touches 2, 3, 4 (0.2 each).
        Equal([0.4, 0.2, 0.2, 0.2], Shares(AttributionModel.UShaped, Journey(4)));
        // Lead created before any touch (day 0.5): no touch at or before it, the same split.
        Equal([0.4, 0.2, 0.2, 0.2], Shares(AttributionModel.UShaped, Journey(4, new KeyInstants(LeadCreated: Day(0.5)))));
    }

    [Fact]
    public void W_shaped_gives_30_to_first_lead_and_opportunity_touches_and_10_to_the_rest()
    {
        // Lead on day 2 → touch 2; opportunity on day 3.2 → touch 3; touch 4 alone gets the 0.1.
        Equal([0.3, 0.3, 0.3, 0.1], Shares(AttributionModel.WShaped, Journey(4, new KeyInstants(Day(2), Day(3.2)))));
        // Lead and opportunity on the same touch 2: 0.6; touches 3 and 4 share 0.1.
        Equal([0.3, 0.6, 0.05, 0.05], Shares(AttributionModel.WShaped, Journey(4, new KeyInstants(Day(2), Day(2.5)))));
        // Three distinct key touches and nothing else: 0.3 + 0.1/3 each.
        Equal([0.3 + 0.1 / 3, 0.3 + 0.1 / 3, 0.3 + 0.1 / 3], Shares(AttributionModel.WShaped, Journey(3, new KeyInstants(Day(2), Day(3)))));
    }

    [Fact]
    public void Full_path_gives_22_5_to_each_of_four_key_touches_and_10_to_the_rest()
    {
        // Lead → touch 2, opportunity → touch 4, close (day 9) → touch 6; touches 3 and 5 share 0.1.
        Equal([0.225, 0.225, 0.05, 0.225, 0.05, 0.225], Shares(AttributionModel.FullPath, Journey(6, new KeyInstants(Day(2), Day(4.5), Day(9)))));
    }

    [Fact]
    public void Time_decay_halves_the_weight_every_half_life_before_the_conversion()
    {
        // Touches 14, 7 and 0 days before the conversion, half-life 7: weights 1/4, 1/2, 1, total 7/4 → 1/7, 2/7, 4/7.
        var journey = new Journey([new Touchpoint(Day(0), "a"), new Touchpoint(Day(7), "b"), new Touchpoint(Day(14), "c")], new Conversion(Day(14), 1));
        Equal([1 / 7.0, 2 / 7.0, 4 / 7.0], Shares(AttributionModel.TimeDecay, journey));
        // Half-life 14: weights 1/2, 1/√2, 1 over 1/2 + 1/√2 + 1.
        var total = 0.5 + Math.Sqrt(0.5) + 1;
        Equal([0.5 / total, Math.Sqrt(0.5) / total, 1 / total], Shares(AttributionModel.TimeDecay, journey, 14));
    }

    [Fact]
    public void Time_decay_stays_finite_for_touches_years_old()
    {
        // 2^(−3650/7) underflows to 0 if computed as is; relative to the youngest touch the shares are still exact.
        var journey = new Journey([new Touchpoint(Day(-3650), "a"), new Touchpoint(Day(-3643), "b")], new Conversion(Day(0), 1));
        Equal([1 / 3.0, 2 / 3.0], Shares(AttributionModel.TimeDecay, journey));
    }

    [Fact]
    public void A_conversion_without_touchpoints_is_credited_to_none_and_campaigns_follow_their_touches()
    {
        var journeys = new[]
        {
            new Journey([], new Conversion(Day(5), 300)),
            Journey(2),
        };
        var result = Attributor.Fit(AttributionModel.Linear, journeys).Run(journeys);
        // (none): 1 conversion, 300; c1 and c2: 0.5 conversion and 500 each (half of 1000).
        Assert.Equal(2, result.Conversions);
        Assert.Equal(1300, result.Value);
        var none = result.Channels.Single(c => c.Channel == AttributionModels.NoTouch);
        Assert.Equal((1.0, 300.0), (none.Conversions, none.Value));
        var campaign = result.Campaigns.Single(c => c.CampaignId == "k2");
        Assert.Equal(("c2", 0.5, 500.0), (campaign.Channel, campaign.Conversions, campaign.Value));
        Assert.DoesNotContain(result.Campaigns, c => c.Channel == AttributionModels.NoTouch);
    }
}
