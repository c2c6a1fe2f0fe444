using Microsoft.Playwright;

namespace Lifecycle.Tests.Support;

/// <summary>Screenshots of dashboard pages for people to look at, kept under artifacts/screenshots (CI keeps the folder).</summary>
public static class Screenshots
{
    public static readonly string Folder = Path.Combine(RepositoryRoot(), "artifacts", "screenshots");

    public static readonly (string Name, int Width, int Height)[] Sizes = [("laptop", 1280, 800), ("phone", 390, 844)];

    public static async Task TakeAsync(IPage page, string name)
    {
        Directory.CreateDirectory(Folder);
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(Folder, $"{name}.png"), FullPage = true });
    }

    private static string RepositoryRoot()
    {
        var directory = new DirectoryInfo(AppContext.BaseDirectory);
        while (directory is not null && !File.Exists(Path.Combine(directory.FullName, "Lifecycle.slnx"))) directory = directory.Parent;
        return directory?.FullName ?? Path.GetTempPath();
    }
}
