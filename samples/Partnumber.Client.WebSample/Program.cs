using Partnumber.Client.WebSample;

// `dotnet run --project samples/Partnumber.Client.WebSample` serves http://127.0.0.1:5080/ against an embedded fake
// backend; `-- --server http://localhost:5000` (or the "Partnumber" section) points it at a real one.
await using var app = await WebSampleApp.BuildAsync(args);
await app.RunAsync();
