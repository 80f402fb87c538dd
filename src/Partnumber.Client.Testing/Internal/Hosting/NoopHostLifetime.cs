using Microsoft.Extensions.Hosting;

namespace Partnumber.Client.Testing.Internal.Hosting;

/// <summary>
/// Replaces the default console lifetime, which would take over Ctrl+C / SIGTERM of the process hosting the fake
/// (a test runner or a consumer's dev server): the fake stops only when it is disposed.
/// </summary>
internal sealed class NoopHostLifetime : IHostLifetime
{
    public Task WaitForStartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
