## Personal data (/mydata, /forget), guardian consent, the audit log (/audit).

cmd-mydata = Мае даныя ў боце
cmd-audit = Журнал дзеянняў

## /mydata

mydata-header =
    <b>Вашы даныя ў боце «{ -bot-name }»</b>
    Telegram id: { $id }
    Ніжэй — усё, што бот пра вас захоўвае. Тое ж самае ў фармаце JSON — файлам наступным паведамленнем.
mydata-nothing = Бот нічога пра вас не захоўвае.
mydata-footer = Змяніць профіль: /profile. Выдаліць усе свае даныя: /forget.
mydata-file-caption = Вашы даныя ў фармаце JSON (час у файле — UTC).
mydata-section-profile = <b>Профіль</b>
mydata-section-registrations = <b>Заяўкі на паездкі</b>
mydata-section-subscriptions = <b>Падпіскі на мерапрыемствы</b>
mydata-section-reminder_optouts = <b>Адмовы ад напамінаў</b>
mydata-section-organiser = <b>Праца арганізатара</b>
mydata-section-messages = <b>Паведамленні, якія бот дасылаў вам сам</b>
mydata-section-profile-short = Профіль
mydata-section-registrations-short = Заяўкі на паездкі
mydata-section-subscriptions-short = Падпіскі на мерапрыемствы
mydata-section-reminder_optouts-short = Адмовы ад напамінаў
mydata-section-organiser-short = Запісы пра працу арганізатара
mydata-section-messages-short = Паведамленні бота вам
mydata-section-erasures = <b>Выдаленне даных</b>
mydata-section-erasures-short = Запіс пра выдаленне даных
mydata-line = { $label }: { $value }
mydata-label-name = Імя
mydata-label-city = Горад
mydata-label-role = Сфера
mydata-label-organisation = Арганізацыя
mydata-label-language = Мова
mydata-label-phone = Тэлефон
mydata-label-consent = Згода на апрацоўку даных
mydata-label-created = Профіль створаны
mydata-label-organiser = Арганізатар
mydata-label-erased = Даныя выдалены па вашай просьбе
mydata-none = не пазначана
mydata-yes = так
mydata-registration = • <b>{ $trip }</b>, пачатак { $starts }: { $status } (заяўка ад { $created })
mydata-answer = — { $question }: { $answer }
mydata-guardian = — згода бацькоў або законнага прадстаўніка: { $name }, { $when }
mydata-reject-reason = — прычына адмовы: { $reason }
mydata-subscription = • { $title } — { $city }, { $when } (напаміны з { $since })
mydata-optout = • «{ $title }»: не нагадваць (з { $since })
mydata-staff-trips = Вам прыходзяць заяўкі паездак: { $trips }
mydata-staff-invite = Вы сталі арганізатарам па запрашэнні { $when }
mydata-staff-audit = Запісаў пра вашы дзеянні ў журнале арганізатараў: { $count }
mydata-staff-audit-about = Запісаў пра выдачу і зняцце вашых правоў: { $count }
mydata-messages = { $purpose }: { $count }
mydata-messages-queued = Яшчэ чакаюць адпраўкі: { $count }
mydata-open-form = Захавана незакончаная анкета (яе сатрэ каманда /cancel).
mydata-purpose-notice = Паведамленні
mydata-purpose-reminder = Напаміны
mydata-purpose-broadcast = Рассылкі

## /forget

forget-nothing = Бот нічога пра вас не захоўвае, выдаляць няма чаго.
forget-item = • { $section }{ $count ->
        [1] {""}
       *[other] : { $count }
    }
forget-confirm =
    <b>Выдаліць вашы даныя?</b>

    Цяпер бот захоўвае пра вас:
    { $items }

    Што адбудзецца:
    • профіль (імя, горад, сфера, арганізацыя, тэлефон, мова, адзнака пра згоду) будзе выдалены, правы арганізатара — зняты;
    • месцы ў паездках, якія яшчэ наперадзе, вызваляцца, і іх атрымаюць наступныя ў лісце чакання;
    • адказы на пытанні, згоды бацькоў і падпіскі будуць сцёрты, тэксты паведамленняў бота вам — таксама;
    • вашы заяўкі застануцца толькі безасабовымі радкамі — без імя, тэлефона і адказаў, — каб лічбы партнёрства (колькі чалавек запісалася і з'ездзіла) заставаліся правільнымі.

    { $backups }

    Гэта нельга адмяніць. Пачаць зноў можна будзе камандай /start.
forget-btn-confirm = 🗑 Так, выдаліць мае даныя
forget-btn-keep = Не, пакінуць
forget-cancelled = Добра, нічога не выдаляем.
forget-done =
    <b>Гатова, вашы даныя выдалены.</b>

    Сцёрта:
    { $erased }
forget-kept =
    Засталося без вашага імя:
    { $kept }
forget-wiped-later = Службовы журнал базы зараз заняты іншай праграмай (напрыклад, рэзервовым капіраваннем): апошнія сляды вашых даных у ім бот сатрэ, як толькі журнал вызваліцца, звычайна на працягу некалькіх хвілін.
forget-after = Паведамленні, якія бот ужо даслаў вам або арганізатарам, застаюцца ў чатах Telegram: вярнуць іх бот не можа. Калі захочаце зноў удзельнічаць у абменах, адпраўце /start.
forget-backups =
    З базы бота даныя сціраюцца адразу. Рэзервовыя копіі базы бот робіць раз на суткі і захоўвае { $days ->
        [1] толькі апошнюю копію
        [one] { $days } апошнюю копію
        [few] { $days } апошнія копіі
       *[many] { $days } апошніх копій
    }: у іх вашы даныя застануцца, пакуль гэтыя копіі не зменяцца новымі, — прыкладна { $days ->
        [one] { $days } дзень
        [few] { $days } дні
       *[many] { $days } дзён
    }.
forget-no-backups = З базы бота даныя сціраюцца адразу. Штодзённых рэзервовых копій базы бот не робіць.
forget-erased-nothing = • нічога не знайшлося
forget-erased-profile = • профіль: імя, горад, сфера, арганізацыя, тэлефон, мова і адзнака пра згоду
forget-erased-organiser = • правы арганізатара
forget-released = • вызвалена месцаў у будучых паездках (іх атрымалі наступныя ў лісце чакання): { $count }
forget-erased-answers = • адказы, згоды бацькоў і прычыны адмоў у заяўках на паездкі: { $count }
forget-erased-subscriptions = • падпіскі на мерапрыемствы: { $count }
forget-erased-optouts = • адмовы ад напамінаў: { $count }
forget-erased-trip-organiser = • паездкі, заяўкі якіх прыходзілі вам як арганізатару: { $count }
forget-cancelled-messages = • неадпраўленыя паведамленні вам (адменены): { $count }
forget-erased-messages = • тэксты паведамленняў бота вам і пра вас: { $count }
forget-kept-registrations = • заяўкі на паездкі: { $count }. Ад іх засталіся толькі паездка, статус і даты, без імя, тэлефона і адказаў: так справаздачы пра тое, колькі чалавек запісалася і з'ездзіла, застаюцца правільнымі.
forget-kept-audit = • запісы журнала дзеянняў арганізатараў: { $count }. У іх ваш Telegram id без імя: гэта справаздача пра рашэнні, прынятыя ад імя партнёрства (адабрэнні, рассылкі, змены паездак), і яе захоўваюць дзеля падсправаздачнасці.
forget-kept-erasure = • запіс пра тое, што вы папрасілі выдаліць даныя: толькі ваш Telegram id і дата. Па ім бот зноў выдаліць вашы даныя, калі базу давядзецца аднаўляць з рэзервовай копіі, зробленай раней.

## Guardian consent (trips with minors)

trip-for-minors = 👶 Едуць непаўналетнія: пры запісе патрэбна згода бацькоў або законнага прадстаўніка.
reg-error-guardian-required = Для гэтай паездкі патрэбна згода бацькоў або законнага прадстаўніка. Пачніце запіс нанова кнопкай «Запісацца» ў картцы паездкі.
reg-guardian-ask =
    <b>Згода бацькоў або законнага прадстаўніка</b>

    У паездцы «{ $trip }» удзельнічаюць непаўналетнія. Каб падаць заяўку, патрэбна згода аднаго з бацькоў або законнага прадстаўніка ўдзельніка.

    Напішыце яго прозвішча, імя і імя па бацьку. Калі заяўку падаяце вы самі як бацька, маці або прадстаўнік, націсніце кнопку ніжэй.
reg-guardian-self = Гэта я: { $name }
reg-guardian-confirm =
    <b>Пацвердзіце згоду</b>

    Я, { $name }, бацька, маці або законны прадстаўнік непаўналетняга ўдзельніка, згодны(на) на яго ўдзел у паездцы «{ $trip }» і на апрацоўку арганізатарамі паездкі яго персанальных даных, пазначаных у заяўцы.

    Заяўка будзе пададзена, калі вы націсніце «Пацвярджаю згоду».
reg-guardian-ok = ✅ Пацвярджаю згоду
reg-guardian-given = Згода бацькоў або законнага прадстаўніка: { $name }, { $when }
export-col-guardian = Бацька, маці або законны прадстаўнік
export-col-guardian-consent = Згода бацькоў дадзена

## /audit

audit-help =
    <b>Журнал дзеянняў арганізатараў і адміністратараў</b>
    /audit — апошнія запісы, па 10 на старонцы
    /audit 12345 — дзеянні чалавека з Telegram id 12345 і дзеянні над ім (выдача і зняцце правоў)
    /audit trip 7 — усё пра паездку 7; гэтак жа <code>programme</code>, <code>event</code>, <code>registration</code>, <code>broadcast</code>, <code>person</code>, <code>invite</code>
    /audit roadmap 29 — усё пра пункт дарожнай карты № 29
    /audit import — усе загрузкі файлаў
    Час — па вашым горадзе.
audit-error-syntax = Не зразумеў, што шукаць у журнале.
audit-title = <b>Журнал дзеянняў</b> · { $filter } · запісаў: { $total } · старонка { $page } з { $pages }
audit-empty = Запісаў няма.
audit-entry =
    { $when } · { $actor }
    { $action } · { $target }
audit-entry-diff =
    { $when } · { $actor }
    { $action } · { $target }
    <i>{ $diff }</i>
audit-actor = { $name } ({ $id })
audit-actor-shell = камандны радок
audit-filter-person = чалавек { $id }
audit-filter-all = усе запісы
audit-action-grant = выдача правоў арганізатара
audit-action-revoke = зняцце правоў арганізатара
audit-action-invite = запрашэнне арганізатара
audit-action-create = стварэнне
audit-action-edit = змяненне
audit-action-approve = адабрэнне заяўкі
audit-action-reject = адхіленне заяўкі
audit-action-cancel = адмена
audit-action-status = змена статусу
audit-action-broadcast = рассылка
audit-action-schedule = рассылка па раскладзе
audit-action-stop = спыненне рассылкі
audit-action-withdraw = адмена запланаванай рассылкі
audit-action-import = загрузка файла
audit-action-export = выгрузка ўдзельнікаў
audit-object-person = чалавек
audit-object-programme = праграма
audit-object-trip = паездка
audit-object-registration = заяўка
audit-object-event = мерапрыемства
audit-object-broadcast = рассылка
audit-object-import = імпарт
audit-object-invite = запрашэнне
audit-target-titled = { $kind } «{ $title }»
audit-target-number = { $kind } №{ $number }
audit-target-person = { $kind } { $name } ({ $id })
audit-target-roadmap = { $kind } №{ $number } «{ $title }»
audit-target-registration = { $kind }: { $person }, «{ $trip }»
audit-person-erased = даныя чалавека выдалены
