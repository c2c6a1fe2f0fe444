using System.Reflection;
using System.Security.Claims;
using Lifecycle.Access;
using Lifecycle.Dashboard.Localization;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;

namespace Lifecycle.Dashboard;

/// <summary>
/// The shared marketing and sales dashboard: server-rendered Razor components behind cookie sign-in, with
/// anti-forgery on every form and strict security headers. The REST API keeps its own key authentication.
/// </summary>
public static class Dashboard
{
    public const string Scheme = CookieAuthenticationDefaults.AuthenticationScheme;
    /// <summary>Anyone signed in: reads every page.</summary>
    public const string ReadPolicy = "dashboard";
    /// <summary>Changes data (sales queue, contacts): every role but viewer.</summary>
    public const string EditPolicy = "dashboard-edit";
    /// <summary>Changes marketing settings (scoring model, programs, targets): admin and marketing.</summary>
    public const string MarketingPolicy = "dashboard-marketing";
    public const string AdminPolicy = "dashboard-admin";
    /// <summary>Signed in or not, but read the sign-in cookie, so anti-forgery tokens match the signed-in user.</summary>
    private const string AnyonePolicy = "dashboard-anyone";

    private sealed record DashboardPage;

    public static void AddDashboard(this IServiceCollection services)
    {
        services.AddRazorComponents();
        services.AddLocalization();
        services.AddCascadingAuthenticationState();
        services.AddAuthentication().AddCookie(Scheme, o =>
        {
            o.LoginPath = "/login";
            o.LogoutPath = "/logout";
            o.AccessDeniedPath = "/denied";
            o.Cookie.Name = "lifecycle";
            o.Cookie.HttpOnly = true;
            o.Cookie.SameSite = SameSiteMode.Lax;
            o.ExpireTimeSpan = TimeSpan.FromHours(8);
            o.SlidingExpiration = true;
        });
        services.AddAuthorizationBuilder()
            .AddPolicy(ReadPolicy, p => p.AddAuthenticationSchemes(Scheme).RequireAuthenticatedUser())
            .AddPolicy(EditPolicy, p => p.AddAuthenticationSchemes(Scheme).RequireRole(nameof(UserRole.Admin), nameof(UserRole.Marketing), nameof(UserRole.Sales)))
            .AddPolicy(MarketingPolicy, p => p.AddAuthenticationSchemes(Scheme).RequireRole(nameof(UserRole.Admin), nameof(UserRole.Marketing)))
            .AddPolicy(AnyonePolicy, p => p.AddAuthenticationSchemes(Scheme).RequireAssertion(_ => true))
            .AddPolicy(AdminPolicy, p => p.AddAuthenticationSchemes(Scheme).RequireRole(nameof(UserRole.Admin)));
    }

    public static void MapDashboard(this WebApplication app)
    {
        var cultures = DashboardCulture.Options();
        app.UseWhen(http => !IsApiPath(http.Request.Path), branch => branch.UseRequestLocalization(cultures));
        app.Use(async (http, next) =>
        {
            if (http.GetEndpoint()?.Metadata.GetMetadata<DashboardPage>() is not null) AddSecurityHeaders(http.Response);
            await next();
        });
        app.MapGet("/dashboard.css", () => Results.Bytes(Stylesheet.Value, "text/css; charset=utf-8")).ExcludeFromDescription();
        app.MapPost("/logout", async (HttpContext http) =>
        {
            await http.SignOutAsync(Scheme);
            return Results.Redirect("/login");
        }).WithMetadata(new DashboardPage()).ExcludeFromDescription();
        // The language picker: the choice is kept in a cookie for a year; the way back is a path on this site only.
        app.MapPost("/language", ([FromForm] string? language, [FromForm] string? returnUrl, HttpContext http) =>
        {
            if (DashboardCulture.CookieValue(language) is not { } value)
                return Results.Problem(statusCode: 400, title: "Unknown language",
                    detail: $"'{language}' is not one of {string.Join(", ", DashboardCulture.Languages)}.");
            http.Response.Cookies.Append(DashboardCulture.CookieName, value,
                new CookieOptions { MaxAge = TimeSpan.FromDays(365), HttpOnly = true, SameSite = SameSiteMode.Lax, IsEssential = true });
            return Results.Redirect(LocalOrHome(returnUrl));
        }).RequireAuthorization(AnyonePolicy).WithMetadata(new DashboardPage()).ExcludeFromDescription();
        app.MapDashboardPages(new DashboardPage());
        app.MapSettingsEndpoints(new DashboardPage());
        app.MapRazorComponents<App>()
            .RequireAuthorization(ReadPolicy)
            .Add(endpoint => endpoint.Metadata.Add(new DashboardPage()));
    }

    private static bool IsApiPath(PathString path) =>
        path.StartsWithSegments("/api") || path.StartsWithSegments("/v1") || path.StartsWithSegments("/openapi") || path.StartsWithSegments("/health");

    /// <summary>Signs the user in with a cookie carrying id, name, e-mail and role.</summary>
    public static Task SignInAsync(HttpContext http, User user)
    {
        var identity = new ClaimsIdentity(
        [
            new Claim(ClaimTypes.NameIdentifier, user.Id.ToString()),
            new Claim(ClaimTypes.Name, user.Name),
            new Claim(ClaimTypes.Email, user.Email),
            new Claim(ClaimTypes.Role, user.Role.ToString()),
        ], Scheme);
        return http.SignInAsync(Scheme, new ClaimsPrincipal(identity));
    }

    public static string RoleName(ClaimsPrincipal user) => user.FindFirstValue(ClaimTypes.Role)?.ToLowerInvariant() ?? "";

    /// <summary>Only a path on this site: never an open redirect after sign-in.</summary>
    public static string LocalOrHome(string? returnUrl) =>
        returnUrl is { Length: > 0 } url && url[0] == '/' && (url.Length == 1 || (url[1] != '/' && url[1] != '\\')) ? url : "/";

    private static void AddSecurityHeaders(HttpResponse response)
    {
        var headers = response.Headers;
        headers.ContentSecurityPolicy = "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; " +
                                        "form-action 'self'; frame-ancestors 'none'; base-uri 'self'; object-src 'none'";
        headers.XContentTypeOptions = "nosniff";
        headers.XFrameOptions = "DENY";
        headers["Referrer-Policy"] = "same-origin";
        headers["Permissions-Policy"] = "camera=(), microphone=(), geolocation=()";
        headers.CacheControl = "no-store";
    }

    private static readonly Lazy<byte[]> Stylesheet = new(() =>
    {
        using var stream = Assembly.GetExecutingAssembly().GetManifestResourceStream("Lifecycle.Dashboard.dashboard.css")!;
        using var copy = new MemoryStream();
        stream.CopyTo(copy);
        return copy.ToArray();
    });
}
