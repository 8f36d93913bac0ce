@echo off
rem Launcher template for a registration station (Windows): keep the installation current with
rem reg-client-upgrader, then start the registration client. Copy to <client>\bin\run.bat and
rem adapt CLIENT_CMD. Exit codes are reg-client-upgrader's contract (README, "Exit codes").
setlocal
if "%CLIENT_DIR%"=="" set "CLIENT_DIR=%~dp0.."
if "%UPGRADER%"=="" set "UPGRADER=reg-client-upgrader"
if "%CLIENT_CMD%"=="" set "CLIENT_CMD=java -jar "%CLIENT_DIR%\lib\registration-client.jar""
set /a TRIES=0

:again
call %UPGRADER% start --client-dir "%CLIENT_DIR%"
set CODE=%ERRORLEVEL%
if %CODE%==0 goto client
if %CODE%==10 (
  set /a TRIES+=1
  if %TRIES% LEQ 3 goto again
  echo upgrade could not be applied after %TRIES% attempts 1>&2
  exit /b %CODE%
)
if %CODE%==20 (
  echo upgrade server answered but the manifest could not be fetched: checking local files 1>&2
  call %UPGRADER% start --client-dir "%CLIENT_DIR%" --offline
  if errorlevel 1 exit /b %ERRORLEVEL%
  goto client
)
if %CODE%==40 (
  set /a TRIES+=1
  if %TRIES% LEQ 30 ( timeout /t 2 /nobreak >nul & goto again )
  echo another upgrader run holds the station lock 1>&2
  exit /b %CODE%
)
if %CODE%==21 echo some client files are missing or damaged and could not be downloaded 1>&2
if %CODE%==30 echo the database upgrade failed and was rolled back: start again to retry 1>&2
if %CODE%==31 echo rollback failed: manual recovery needed (see registration.log) 1>&2
if %CODE%==64 echo reg-client-upgrader configuration error 1>&2
if %CODE%==65 echo the upgrade server sent bad data: not starting 1>&2
exit /b %CODE%

:client
cd /d "%CLIENT_DIR%"
%CLIENT_CMD%
