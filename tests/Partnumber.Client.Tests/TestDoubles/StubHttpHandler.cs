using System.Collections.Concurrent;
using System.Net;
using System.Text;

namespace Partnumber.Client.Tests.TestDoubles;

/// <summary>Answers the SDK's POST in memory and records what it received.</summary>
internal sealed class StubHttpHandler : HttpMessageHandler
{
    private int _count;

    public StubHttpHandler(Func<HttpRequestMessage, string, HttpResponseMessage>? respond = null)
    {
        Respond = respond ?? ((_, _) => Accepted($"room-{Interlocked.Increment(ref _count)}"));
    }

    public Func<HttpRequestMessage, string, HttpResponseMessage> Respond { get; set; }

    public ConcurrentQueue<(HttpRequestMessage Request, string Body)> Requests { get; } = new();

    public static HttpResponseMessage Accepted(string roomId, string? taskId = null) => Json(HttpStatusCode.Accepted, $$"""{"message":"accepted","task_id":"{{taskId ?? "task-" + roomId}}","room_id":"{{roomId}}"}""");

    public static HttpResponseMessage Json(HttpStatusCode status, string json) => new(status)
    {
        Content = new StringContent(json, Encoding.UTF8, "application/json"),
    };

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var body = request.Content is null ? string.Empty : await request.Content.ReadAsStringAsync(cancellationToken);
        Requests.Enqueue((request, body));
        return Respond(request, body);
    }
}
