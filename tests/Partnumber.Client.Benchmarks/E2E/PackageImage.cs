using System.Diagnostics;
using System.IO.Compression;
using System.Reflection.Metadata;
using System.Reflection.PortableExecutable;

namespace Partnumber.Client.Benchmarks.E2E;

/// <summary>
/// The SDK as an app referencing the package loads it on this machine: the package's ReadyToRun image for linux-x64
/// (src/Partnumber.Client/ReadyToRunPackage.targets), from a package packed for the run. The harness and the cold-start
/// app reference the SDK's project, whose output is IL only; these put the image in its place.
/// </summary>
internal static class PackageImage
{
    private const string Runtime = "linux-x64";

    /// <summary>Packs the SDK as released (once per folder) and returns its <see cref="Runtime"/> net10.0 image's path.</summary>
    public static string Extract(HarnessPaths paths)
    {
        var folder = Path.Combine(paths.RepositoryRoot, "tests", "Partnumber.Client.Benchmarks", "bin", "package-image");
        var image = Path.Combine(folder, "Partnumber.Client.dll");
        if (Directory.Exists(folder))
        {
            Directory.Delete(folder, recursive: true); // packed anew: the image must come from the source being measured
        }

        Dotnet(["pack", Path.Combine(paths.RepositoryRoot, "src", "Partnumber.Client"), "-c", "Release", "-p:PackReadyToRun=true", "-o", folder], "packing the SDK");
        using var package = ZipFile.OpenRead(Directory.GetFiles(folder, "Partnumber.Client.*.nupkg").Single(f => !f.EndsWith(".snupkg", StringComparison.Ordinal)));
        package.GetEntry($"runtimes/{Runtime}/lib/net10.0/Partnumber.Client.dll")!.ExtractToFile(image);
        return image;
    }

    /// <summary>
    /// Copies the files of <paramref name="appFolder"/> into <paramref name="destination"/> with the package's image in
    /// place of its Partnumber.Client.dll, which must be the same build (same module version id) as the image's IL.
    /// </summary>
    public static void InstallInto(string image, string appFolder, string destination)
    {
        var target = Path.Combine(appFolder, "Partnumber.Client.dll");
        if (ModuleVersionId(image) != ModuleVersionId(target))
        {
            throw new InvalidOperationException($"{target} is not the build the package was packed from; build in Release again before measuring");
        }

        foreach (var file in Directory.EnumerateFiles(appFolder, "*", SearchOption.AllDirectories))
        {
            var copy = Path.Combine(destination, Path.GetRelativePath(appFolder, file));
            Directory.CreateDirectory(Path.GetDirectoryName(copy)!);
            File.Copy(file, copy, overwrite: true);
        }

        File.Copy(image, Path.Combine(destination, "Partnumber.Client.dll"), overwrite: true);
    }

    internal static void Dotnet(string[] arguments, string what)
    {
        Console.Error.WriteLine("dotnet " + string.Join(' ', arguments));
        using var dotnet = Process.Start(new ProcessStartInfo("dotnet", arguments) { RedirectStandardOutput = true })!;
        dotnet.StandardOutput.ReadToEnd();
        dotnet.WaitForExit();
        if (dotnet.ExitCode != 0)
        {
            throw new InvalidOperationException(what + " failed");
        }
    }

    private static Guid ModuleVersionId(string assembly)
    {
        using var reader = new PEReader(File.OpenRead(assembly));
        var metadata = reader.GetMetadataReader();
        return metadata.GetGuid(metadata.GetModuleDefinition().Mvid);
    }
}
