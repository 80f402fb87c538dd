using System.Net.Http.Json;
using Microsoft.Extensions.Time.Testing;

namespace Partnumber.Client.Testing.Tests.Internal.Backend;

public class TaskRunLifetimeTests
{
    [Fact]
    public async Task A_task_never_joined_whose_join_timeout_fires_after_the_server_stopped_ends_quietly()
    {
        var time = new FakeTimeProvider();
        var server = await FakePartnumberServer.StartAsync(new FakePartnumberServerOptions { TimeProvider = time, JoinTimeout = TimeSpan.FromSeconds(30) });
        server.ForPartnumber("PN-1").Progress("a", TimeSpan.FromSeconds(1)).Finish("b");
        using (var http = new HttpClient())
        {
            var response = await http.PostAsJsonAsync(new Uri(server.BaseAddress, "/classify-partnumber"), new { partnumber = "PN-1" });
            Assert.Equal(202, (int)response.StatusCode);
        }

        await server.DisposeAsync();
        var unobserved = 0;
        EventHandler<UnobservedTaskExceptionEventArgs> count = (_, _) => Interlocked.Increment(ref unobserved);
        TaskScheduler.UnobservedTaskException += count;
        try
        {
            time.Advance(TimeSpan.FromSeconds(31)); // the join timeout starts the script on a stopped server
            time.Advance(TimeSpan.FromSeconds(1));  // and its first delay elapses
        }
        finally
        {
            TaskScheduler.UnobservedTaskException -= count;
        }

        Assert.Equal(0, unobserved); // FakeTimeProvider runs the callbacks inline: an exception would have surfaced here
    }
}
