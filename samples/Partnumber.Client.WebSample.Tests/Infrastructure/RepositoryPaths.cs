namespace Partnumber.Client.WebSample.Tests.Infrastructure;

/// <summary>Files of the repository the tests read or write (found from the test's output folder).</summary>
public static class RepositoryPaths
{
    /// <summary>The folder that holds Partnumber.Client.sln.</summary>
    public static string Root { get; } = FindRoot();

    /// <summary>README.md.</summary>
    public static string Readme => Path.Combine(Root, "README.md");

    /// <summary>The screenshot the README shows.</summary>
    public static string Screenshot => Path.Combine(Root, "docs", "images", "web-sample.png");

    /// <summary>The web sample's source folder.</summary>
    public static string WebSample => Path.Combine(Root, "samples", "Partnumber.Client.WebSample");

    /// <summary>The Flask-SocketIO backend of the interop suite.</summary>
    public static string FlaskApp => Path.Combine(Root, "tests", "interop", "flask", "app.py");

    private static string FindRoot()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "Partnumber.Client.sln")))
            {
                return directory.FullName;
            }
        }

        throw new InvalidOperationException($"No Partnumber.Client.sln above {AppContext.BaseDirectory}.");
    }
}
