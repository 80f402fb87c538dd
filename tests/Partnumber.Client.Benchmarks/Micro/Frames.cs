using System.Text;

namespace Partnumber.Client.Benchmarks.Micro;

/// <summary>The wire text of the events the benchmarks feed, as the fake server and Flask-SocketIO write them.</summary>
internal static class Frames
{
    public const string ProgressPayload = """{"current":"2","total":"3","status":"processing","message":"Analisando dados..."}""";

    public const string ProgressFrame = """42["classification_update_status",""" + ProgressPayload + "]";

    public const string Accepted = """{"message":"Seu pedido de classificação foi aceito e está sendo processado.","task_id":"task-1","room_id":"room-1"}""";

    public static readonly byte[] ProgressFrameBytes = Encoding.UTF8.GetBytes(ProgressFrame);
}

/// <summary>Answers every POST with the 202 of <see cref="Frames.Accepted"/>.</summary>
internal sealed class AcceptingHandler : HttpMessageHandler
{
    protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        => Task.FromResult(new HttpResponseMessage(System.Net.HttpStatusCode.Accepted)
        {
            Content = new StringContent(Frames.Accepted, Encoding.UTF8, "application/json"),
        });
}
