namespace Lifecycle.Attribution;

/// <summary>
/// The rule-based models of lifecycle.md §6: each touch of one converting journey gets a share, and the
/// shares sum to 1 (up to floating-point rounding). Pure.
/// </summary>
public static class TouchShares
{
    public static double[] For(AttributionModel model, Journey journey, TimeSpan halfLife)
    {
        var touches = journey.Touchpoints;
        var shares = new double[touches.Count];
        if (touches.Count == 0) return shares;
        switch (model)
        {
            case AttributionModel.FirstTouch: shares[0] = 1; break;
            case AttributionModel.LastTouch: shares[^1] = 1; break;
            case AttributionModel.Linear: Array.Fill(shares, 1.0 / touches.Count); break;
            case AttributionModel.UShaped: Positional(journey, shares, [0.4, 0.4], 0.2); break;
            case AttributionModel.WShaped: Positional(journey, shares, [0.3, 0.3, 0.3], 0.1); break;
            case AttributionModel.FullPath: Positional(journey, shares, [0.225, 0.225, 0.225, 0.225], 0.1); break;
            case AttributionModel.TimeDecay: TimeDecay(journey, shares, halfLife); break;
            default: throw new ArgumentOutOfRangeException(nameof(model), model, "not a touch-level model");
        }
        return shares;
    }

    /// <summary>
    /// Key roles in order first, lead creation, opportunity creation, customer close; <paramref name="roleShares"/>
    /// holds the share of as many of them as the model uses. A touch holding two roles gets both shares. A role
    /// with no touch (its instant unknown, or before every touch) adds its share to the rest, which is spread
    /// over the touches outside the key roles, or over the key touches when there is none (§6).
    /// </summary>
    private static void Positional(Journey journey, double[] shares, ReadOnlySpan<double> roleShares, double restShare)
    {
        var touches = journey.Touchpoints;
        var isKey = new bool[touches.Count];
        var rest = restShare;
        for (var role = 0; role < roleShares.Length; role++)
        {
            var index = role == 0 ? 0 : LatestAtOrBefore(touches, role switch
            {
                1 => journey.Keys.LeadCreated,
                2 => journey.Keys.OpportunityCreated,
                _ => journey.Keys.CustomerClosed,
            });
            if (index < 0) { rest += roleShares[role]; continue; }
            shares[index] += roleShares[role];
            isKey[index] = true;
        }
        var others = isKey.Count(key => !key);
        var receivers = others > 0 ? others : touches.Count - others;
        var each = rest / receivers;
        for (var i = 0; i < shares.Length; i++)
            if (isKey[i] == (others == 0)) shares[i] += each;
    }

    private static int LatestAtOrBefore(IReadOnlyList<Touchpoint> touches, DateTimeOffset? instant)
    {
        if (instant is not { } at) return -1;
        var found = -1;
        for (var i = 0; i < touches.Count && touches[i].At <= at; i++) found = i;
        return found;
    }

    /// <summary>Weight 2^(−age / half-life), age = conversion instant − touch instant, normalised to sum 1.</summary>
    private static void TimeDecay(Journey journey, double[] shares, TimeSpan halfLife)
    {
        var touches = journey.Touchpoints;
        var at = journey.Conversion?.At ?? touches[^1].At;
        // Ages relative to the youngest touch: the same ratios, and no underflow for old touches.
        var youngest = (at - touches[^1].At).TotalSeconds;
        var total = 0.0;
        for (var i = 0; i < touches.Count; i++)
        {
            var age = (at - touches[i].At).TotalSeconds - youngest;
            shares[i] = Math.Pow(2, -age / halfLife.TotalSeconds);
            total += shares[i];
        }
        for (var i = 0; i < shares.Length; i++) shares[i] /= total;
    }
}
