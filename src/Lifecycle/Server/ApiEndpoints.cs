using Lifecycle.Campaigns;
using Lifecycle.Contacts;
using Lifecycle.Pipeline;

namespace Lifecycle.Server;

/// <summary>The REST API under /api: one line per capability, each mapping its own endpoints.</summary>
internal static class ApiEndpoints
{
    public static void Map(RouteGroupBuilder api)
    {
        api.MapAccountEndpoints();
        api.MapContactEndpoints();
        api.MapCampaignEndpoints();
        api.MapPipelineEndpoints();
        Scoring.ScoringEndpoints.MapScoringEndpoints(api);
        Segments.SegmentEndpoints.MapSegmentEndpoints(api);
    }
}
