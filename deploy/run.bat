@echo off
rem Launcher template for a registration station (Windows): keep the installation current with
rem reg-client-upgrader, then start the registration client the way MOSIP's own run.bat does
rem (the station's jre\bin\javaw, every jar of lib\ on the classpath, the main class). Copy it to
rem <client>\bin\run.bat. Exit codes are reg-client-upgrader's contract (README, "Exit codes").
rem
rem Every setting below can be given in the environment:
rem   CLIENT_DIR   the client folder (default: this script's folder's parent; spaces are fine)
rem   UPGRADER     the upgrader program, one path (default: reg-client-upgrader on PATH)
rem   JAVAW        the Java to run the client (default: <client>\jre\bin\javaw.exe, else javaw)
rem   JAVA_OPTS    the JVM options (default: MOSIP's -Xmx2048m -Xms2048m -Dfile.encoding=UTF-8)
rem   MAIN_CLASS   the client's main class (default: io.mosip.registration.controller.Initialization)
rem   CLIENT_CMD   a whole command instead of the Java launch above
rem
rem Written for Task Scheduler as much as for a double-click: no pause, no prompt, no "timeout"
rem (it fails without console input); variables set inside a block are read with !delayed!
rem expansion, never %plain% expansion, which cmd fixes when it reads the block.
setlocal EnableExtensions EnableDelayedExpansion
if not defined CLIENT_DIR for %%I in ("%~dp0..") do set "CLIENT_DIR=%%~fI"
if not defined UPGRADER set "UPGRADER=reg-client-upgrader"
if not defined JAVAW if exist "%CLIENT_DIR%\jre\bin\javaw.exe" set "JAVAW=%CLIENT_DIR%\jre\bin\javaw.exe"
if not defined JAVAW set "JAVAW=javaw"
if not defined JAVA_OPTS set "JAVA_OPTS=-Xmx2048m -Xms2048m -Dfile.encoding=UTF-8"
if not defined MAIN_CLASS set "MAIN_CLASS=io.mosip.registration.controller.Initialization"
set /a TRIES=0

:again
call "%UPGRADER%" start --client-dir "%CLIENT_DIR%"
set "CODE=%ERRORLEVEL%"
if "%CODE%"=="0" goto client
if "%CODE%"=="10" goto staged
if "%CODE%"=="20" (
  echo the upgrade server answered but the list of files could not be fetched 1>&2
  goto verify
)
if "%CODE%"=="30" (
  echo the upgrade failed and the previous version was put back: starting it ^(the next launch tries again^) 1>&2
  goto verify
)
if "%CODE%"=="40" goto busy
if "%CODE%"=="65" (
  echo the upgrade server sent files that failed their checks: nothing was installed from it 1>&2
  goto verify
)
if "%CODE%"=="21" echo some client files are missing or damaged and could not be downloaded: connect to the network and start again 1>&2
if "%CODE%"=="31" echo putting the previous version back failed: call support ^(registration.log names the backup folder^) 1>&2
if "%CODE%"=="64" echo reg-client-upgrader is not set up right ^(see the message above^): call support 1>&2
if "%CODE%"=="130" echo stopped before the client started: start again to continue 1>&2
if "%CODE%"=="143" echo stopped before the client started: start again to continue 1>&2
exit /b %CODE%

:staged
rem An upgrade is staged: this relaunch applies it.
set /a TRIES+=1
if !TRIES! LEQ 3 goto again
echo the upgrade could not be applied after !TRIES! attempts: call support 1>&2
exit /b %CODE%

:busy
rem Another upgrader run, or the running client, holds the station: wait 2 s and try again.
set /a TRIES+=1
if !TRIES! GTR 30 (
  echo another upgrader run, or a running client, holds the station: close it and start again 1>&2
  exit /b !CODE!
)
ping -n 3 127.0.0.1 >nul
goto again

:verify
rem The installed version is still whole when this passes: start it rather than stop enrolment.
echo checking the installed client files 1>&2
call "%UPGRADER%" start --client-dir "%CLIENT_DIR%" --offline
set "CODE=%ERRORLEVEL%"
if not "%CODE%"=="0" exit /b %CODE%

:client
cd /d "%CLIENT_DIR%"
if defined CLIENT_CMD goto custom
start "Registration Client" "%JAVAW%" %JAVA_OPTS% -cp "%CLIENT_DIR%\lib\*" %MAIN_CLASS%
exit /b 0

:custom
%CLIENT_CMD%
exit /b %ERRORLEVEL%
